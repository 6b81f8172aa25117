# Copyright (c) mmjepa contributors. All rights reserved.
"""Collect finished transfer runs into leaderboard tables, one per input modality (markdown + CSV).

    python tools/analysis_tools/leaderboard.py WORK_DIR [WORK_DIR ...] [--out results.md] [--csv results.csv]
        [--model-index model-index.yml] [--no-reported]

Each WORK_DIR is searched (recursively) for:
  * ``test_metrics.json`` written by ``tools/test.py`` and ``knn*.json`` / ``probe*.json`` written by
    ``tools/analysis_tools/knn_eval.py`` / ``probe.py``;
  * otherwise mmengine's ``vis_data/scalars.json`` (the last entry holding an evaluation metric) with the
    ``benchmark_meta`` of the config dumped next to it and the ``pretrain_provenance.json`` of the work dir.
A run's row is keyed by (algorithm, arch, pretraining epochs, pretraining data, checkpoint SHA-256 prefix): the
provenance that the pretraining run stored in its checkpoint and the transfer run recorded
(mmjepa/utils/provenance.py), where the config's ``benchmark_meta`` sets a field only to override it; a field
known from neither is "unknown", with a warning.

The run's ``benchmark_meta.task`` picks the table and the column (docs/leaderboard.md):

* RGB images (I-JEPA, DMT-JEPA, EC-IJEPA): ``linear`` / ``finetune`` / ``knn`` / ``probe`` (ImageNet top-1),
  ``ade20k`` (mIoU), ``coco`` (AP box / mask);
* SAR images (SAR-JEPA): ``fewshot-finetune`` / ``fewshot-linear`` top-1, one column per number of shots
  ("SAR 10-shot FT top-1"): ``benchmark_meta.shots``, else the train dataset's ``shots_per_class`` in the config
  dumped beside the result;
* 12-lead ECG (ECG-JEPA): ``ptbxl-finetune`` / ``ptbxl-linear`` macro AUC, one column per PTB-XL label set
  (``all``, ``superdiagnostic``, ``superdiagnostic_single``): ``benchmark_meta.label_set``, else the dataset's
  ``task`` (+ ``single_label``) in that config;
* tables (T-JEPA): ``tabular`` (``tabular_eval*.json`` of ``tools/analysis_tools/tabular_eval.py``): test
  accuracy (a fraction) or RMSE of an MLP / ResNet / XGBoost on the frozen tokens, one column per table, model and
  metric ("breast_cancer MLP acc"); the same models on the raw features go to a "raw features" row of the table.
* views under known rotations (seq-JEPA): ``seqjepa-eval`` (``seqjepa_eval*.json`` of
  ``tools/analysis_tools/seqjepa_eval.py``, means over its seeds): linear top-1 on ``agg`` and on ``z``, rotation
  R^2 from ``[z; z]`` and from ``[agg; agg]``.

An overview table says which benchmark groups apply to each algorithm ('n/a' where one does not). Reported
numbers (papers, official READMEs) come from the metafiles listed in ``model-index.yml`` and are shown in
their own rows, marked "reported (...)".
"""
import argparse
import csv
import glob
import json
import os
import os.path as osp
import re
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa

from mmjepa.utils.provenance import (ARCH_LETTERS, PROVENANCE_FILE, TRANSFER_KEY,  # noqa: E402
                                     resolve_benchmark_meta)

#: Tables, one per input modality, in this order: the title and the benchmark groups each one holds.
MODALITIES = OrderedDict([
    ('rgb', dict(title='RGB images: ImageNet, ADE20K, COCO', groups=('ImageNet', 'ADE20K', 'COCO'))),
    ('sar', dict(title='SAR images: few-shot classification', groups=('SAR few-shot', ))),
    ('ecg', dict(title='12-lead ECG: PTB-XL', groups=('PTB-XL', ))),
    ('tabular', dict(title='Tables: downstream models on frozen tokens', groups=('Tables', ))),
    ('views', dict(title='Views under known rotations: invariance / equivariance', groups=('Rotations', ))),
])
#: The input modality an algorithm is pretrained on (the table its benchmarks are in).
ALGORITHM_MODALITY = {'I-JEPA': 'rgb', 'DMT-JEPA': 'rgb', 'EC-IJEPA': 'rgb', 'SAR-JEPA': 'sar', 'ECG-JEPA': 'ecg',
                      'T-JEPA': 'tabular', 'seq-JEPA': 'views'}
#: ``benchmark_meta.task`` -> modality (the table the run goes to, whatever the algorithm).
TASK_MODALITY = {'linear': 'rgb', 'finetune': 'rgb', 'knn': 'rgb', 'probe': 'rgb', 'ade20k': 'rgb', 'coco': 'rgb',
                 'fewshot-finetune': 'sar', 'fewshot-linear': 'sar',
                 'ptbxl-finetune': 'ecg', 'ptbxl-linear': 'ecg', 'tabular': 'tabular', 'seqjepa-eval': 'views'}
#: The columns of the RGB table (fixed): key -> title.
RGB_COLUMNS = OrderedDict([
    ('linear', 'IN-1k linear top-1'),
    ('finetune', 'IN-1k fine-tune top-1'),
    ('knn', 'IN-1k k-NN top-1'),
    ('ade20k', 'ADE20K mIoU'),
    ('coco_box', 'COCO AP box'),
    ('coco_mask', 'COCO AP mask'),
])
#: PTB-XL label sets: key -> title; 'all' and 'superdiagnostic' are always shown in the ECG table.
#: The columns of the rotation table (seqjepa_eval.py: linear top-1 on agg / z, rotation R^2 from pairs).
VIEWS_COLUMNS = OrderedDict([
    ('rot_cls_agg', 'top-1 on agg'),
    ('rot_cls_z', 'top-1 on z'),
    ('rot_r2_z', 'rotation R2 from [z; z]'),
    ('rot_r2_agg', 'rotation R2 from [agg; agg]'),
])
#: seqjepa_eval.py's summary keys -> those columns.
SEQJEPA_EVAL_KEYS = {'cls_acc_agg': 'rot_cls_agg', 'cls_acc_z': 'rot_cls_z', 'rot_r2_z': 'rot_r2_z',
                     'rot_r2_agg': 'rot_r2_agg'}
PTBXL_LABEL_SETS = OrderedDict([('all', 'all'), ('superdiagnostic', 'superdiag.'),
                                ('superdiagnostic_single', 'superdiag. single-label')])
PROTOCOLS = OrderedDict([('finetune', 'FT'), ('linear', 'linear')])
#: Evaluation metrics that mark a line of an mmengine scalars.json as an evaluation.
EVAL_KEYS = ('accuracy/top1', 'mIoU', 'coco/bbox_mAP', 'coco/segm_mAP', 'multi-label/auc')
KEY_FIELDS = ('modality', 'source', 'algorithm', 'arch', 'pretrain_epochs', 'pretrain_data', 'checkpoint', 'dataset')
UNKNOWN = 'unknown'


def sar_column(shots, protocol: str) -> str:
    """``'sar_10shot_finetune'``: SAR few-shot top-1 with ``shots`` labels per class."""
    return f'sar_{shots}shot_{protocol}'


def ptbxl_column(label_set: str, protocol: str) -> str:
    """``'ptbxl_all_linear'``: PTB-XL macro AUC of a label set."""
    return f'ptbxl_{label_set}_{protocol}'


#: Downstream models of the tables: key -> title.
TABULAR_MODELS = OrderedDict([('mlp', 'MLP'), ('resnet', 'ResNet'), ('xgboost', 'XGBoost')])
#: The raw-feature baselines of a tabular evaluation: the fields of their row.
RAW_FEATURES = dict(algorithm='raw features', arch='–', pretrain_epochs='–', pretrain_data='–', checkpoint='–')


def tabular_column(table: str, model: str, metric: str) -> str:
    """``'tab_breast_cancer_mlp_accuracy'``: a downstream model's test accuracy (or RMSE) on a table."""
    return f'tab_{table}_{model}_{metric}'


def column_title(key: str) -> str:
    if key in RGB_COLUMNS:
        return RGB_COLUMNS[key]
    if key in VIEWS_COLUMNS:
        return VIEWS_COLUMNS[key]
    match = re.fullmatch(r'sar_(\w+?)shot_(finetune|linear)', key)
    if match:
        return f'SAR {match[1]}-shot {PROTOCOLS[match[2]]} top-1'
    match = re.fullmatch(r'ptbxl_(\w+)_(finetune|linear)', key)
    if match:
        return f'PTB-XL {PTBXL_LABEL_SETS.get(match[1], match[1])} {PROTOCOLS[match[2]]} AUC'
    match = re.fullmatch(r'tab_(\w+)_(mlp|resnet|xgboost)_(accuracy|rmse)', key)
    if match:
        return f'{match[1]} {TABULAR_MODELS[match[2]]} ' + ('acc' if match[3] == 'accuracy' else 'RMSE↓')
    return key


def column_modality(key: str) -> str:
    return ('sar' if key.startswith('sar_') else 'ecg' if key.startswith('ptbxl_') else
            'tabular' if key.startswith('tab_') else 'views' if key.startswith('rot_') else 'rgb')


def modality_columns(modality: str, rows: List[dict]) -> List[str]:
    """The columns of a modality's table: the RGB ones (fixed); PTB-XL 'all' and 'superdiagnostic' (fine-tune
    and linear) plus any other label set present; the SAR shot counts present, fewest first."""
    present = {k for r in rows for k in r if column_modality(k) == modality and k not in KEY_FIELDS
               and isinstance(r[k], float)}
    if modality == 'rgb':
        return list(RGB_COLUMNS)
    if modality == 'tabular':  # per table, the models in their order
        return sorted(present, key=lambda k: (k.rsplit('_', 2)[0], list(TABULAR_MODELS).index(k.rsplit('_', 2)[1])))
    if modality == 'views':
        return list(VIEWS_COLUMNS)
    if modality == 'ecg':
        sets = list(PTBXL_LABEL_SETS)[:2] + [s for s in PTBXL_LABEL_SETS if s not in ('all', 'superdiagnostic')
                                             and any(ptbxl_column(s, p) in present for p in PROTOCOLS)]
        sets += sorted({re.fullmatch(r'ptbxl_(\w+)_(finetune|linear)', k)[1] for k in present} - set(sets))
        return [ptbxl_column(s, p) for s in sets for p in PROTOCOLS]
    shots = sorted({re.fullmatch(r'sar_(\w+?)shot_(finetune|linear)', k)[1] for k in present},
                   key=lambda s: (not s.isdigit(), int(s) if s.isdigit() else 0, s))
    return [sar_column(k, p) for k in shots for p in PROTOCOLS if sar_column(k, p) in present]


# ------------------------------------------------------------------------------------------ measured
def _metric_columns(task: str, metrics: Dict[str, float], details: Optional[dict] = None) -> Dict[str, float]:
    """Map the metrics of one run (mmpretrain / mmseg / mmdet names, mmjepa's MultiLabelAUC) to leaderboard
    columns; ``details`` holds the few-shot ``shots`` or the PTB-XL ``label_set`` of the run."""
    details = details or {}
    out = {}
    if task in ('linear', 'finetune'):
        for key in ('accuracy/top1', 'top1', 'linear_top1'):
            if key in metrics:
                out[task] = metrics[key]
                break
    elif task == 'knn':
        for key in ('knn/top1', 'knn_top1'):
            if key in metrics:
                out['knn'] = metrics[key]
                break
    elif task == 'ade20k':
        if 'mIoU' in metrics:
            out['ade20k'] = metrics['mIoU']
    elif task == 'coco':
        # mmdet reports AP as a fraction; the table uses percent like the papers.
        if 'coco/bbox_mAP' in metrics:
            out['coco_box'] = 100. * metrics['coco/bbox_mAP']
        if 'coco/segm_mAP' in metrics:
            out['coco_mask'] = 100. * metrics['coco/segm_mAP']
    elif task in ('fewshot-finetune', 'fewshot-linear'):
        if 'accuracy/top1' in metrics:
            out[sar_column(details.get('shots', UNKNOWN), task.split('-', 1)[1])] = metrics['accuracy/top1']
    elif task in ('ptbxl-finetune', 'ptbxl-linear'):
        # macro ROC AUC (MultiLabelAUC: '<prefix>/auc', a fraction, as the ECG-JEPA tables)
        auc = [k for k in metrics if k == 'auc' or k.endswith('/auc')]
        if auc:
            key = 'multi-label/auc' if 'multi-label/auc' in auc else sorted(auc)[0]
            out[ptbxl_column(details.get('label_set', UNKNOWN), task.split('-', 1)[1])] = metrics[key]
    elif task == 'tabular':  # tabular_eval.py: '<inputs>+<model>/<metric>', the T-JEPA tokens here
        for key, value in metrics.items():
            match = re.fullmatch(r'tjepa\+(mlp|resnet|xgboost)/(accuracy|rmse)', key)
            if match:
                out[tabular_column(details.get('table', UNKNOWN), match[1], match[2])] = value
    return out


def raw_feature_columns(metrics: Dict[str, float], table: str) -> Dict[str, float]:
    """The raw-feature baselines of a tabular_eval.py result (``raw+<model>/<metric>``)."""
    out = {}
    for key, value in metrics.items():
        match = re.fullmatch(r'raw\+(mlp|resnet|xgboost)/(accuracy|rmse)', key)
        if match:
            out[tabular_column(table, match[1], match[2])] = value
    return out


def _dataset_cfg(cfg, loaders: Tuple[str, ...], key: str) -> Optional[dict]:
    """The first dataset config (looked through wrappers) of ``loaders`` of ``cfg`` that sets ``key``."""
    for loader in loaders:
        dataset = (cfg.get(loader) or {}).get('dataset') if cfg is not None else None
        while isinstance(dataset, dict):
            if key in dataset:
                return dataset
            dataset = dataset.get('dataset')
    return None


def benchmark_details(task: Optional[str], meta: dict, cfg, where: str) -> dict:
    """What names the column of a few-shot or PTB-XL run besides its task: ``shots`` (labels per class) for
    'fewshot-*', ``label_set`` (``all`` / ``superdiagnostic`` / ``superdiagnostic_single``) for 'ptbxl-*'.
    ``benchmark_meta`` sets it explicitly, else the run's config says it (the train dataset's
    ``shots_per_class``; the test dataset's PTB-XL ``task`` and ``single_label``); else it is 'unknown', with a
    warning."""
    import warnings
    if task in ('fewshot-finetune', 'fewshot-linear'):
        shots = meta.get('shots')
        if shots is None:
            dataset = _dataset_cfg(cfg, ('train_dataloader', ), 'shots_per_class')
            shots = dataset['shots_per_class'] if dataset else None
        if shots is None:
            warnings.warn(f'{where}: the number of shots of this {task} run is unknown (no shots_per_class in the '
                          'train dataset of the config dumped beside it): set --cfg-options benchmark_meta.shots=K')
            return dict(shots=UNKNOWN)
        return dict(shots=int(shots))
    if task in ('ptbxl-finetune', 'ptbxl-linear'):
        label_set = meta.get('label_set')
        if label_set is None:
            dataset = _dataset_cfg(cfg, ('test_dataloader', 'val_dataloader', 'train_dataloader'), 'task')
            if dataset is not None:
                label_set = dataset['task'] + ('_single' if dataset.get('single_label') else '')
        if label_set is None:
            warnings.warn(f'{where}: the PTB-XL label set of this {task} run is unknown (no dataset task in the '
                          'config dumped beside it): set --cfg-options benchmark_meta.label_set=all (or '
                          'superdiagnostic, superdiagnostic_single)')
            return dict(label_set=UNKNOWN)
        return dict(label_set=str(label_set).replace('-', '_'))
    if task == 'tabular':
        return dict(table=str(meta.get('table', UNKNOWN)))
    return {}


def _dumped_config(run_dir: str):
    """The config mmengine dumped into a work dir (``<work_dir>/<config>.py``): the first one that has a
    ``benchmark_meta``, else None."""
    from mmengine.config import Config
    for path in sorted(glob.glob(osp.join(run_dir, '*.py'))):
        try:
            cfg = Config.fromfile(path)
        except Exception:  # noqa: BLE001  (not a config)
            continue
        if cfg.get('benchmark_meta'):
            return cfg
    return None


def _provenance_file(run_dir: str) -> Optional[dict]:
    """The ``pretrain_provenance.json`` a transfer run wrote into its work dir (TransferProvenanceHook)."""
    path = osp.join(run_dir, PROVENANCE_FILE)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def _last_eval(scalars_path: str) -> Dict[str, float]:
    """The last line of an mmengine scalars.json that holds evaluation metrics."""
    found = {}
    with open(scalars_path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            entry = json.loads(line)
            if any(k in entry for k in EVAL_KEYS):
                found = entry
    return found


def collect_runs(work_dirs: List[str]) -> List[dict]:
    """One record per finished run: ``dict(meta=..., columns=..., path=...)``."""
    records = []
    for work_dir in work_dirs:
        if not osp.isdir(work_dir):
            raise FileNotFoundError(f'Work dir not found: {work_dir}')
        json_files = sorted(
            glob.glob(osp.join(work_dir, '**', 'test_metrics.json'), recursive=True)
            + glob.glob(osp.join(work_dir, '**', 'knn*.json'), recursive=True)
            + glob.glob(osp.join(work_dir, '**', 'probe*.json'), recursive=True)
            + glob.glob(osp.join(work_dir, '**', 'tabular_eval*.json'), recursive=True)
            + glob.glob(osp.join(work_dir, '**', 'seqjepa_eval*.json'), recursive=True))
        covered = set()
        for path in json_files:
            with open(path) as f:
                result = json.load(f)
            meta = dict(result.get('benchmark_meta') or {})  # the config's: task, dataset, overrides
            if 'metrics' in result:
                metrics = result['metrics']
            elif 'summary' in result:  # seqjepa_eval.py: means over the seeds
                metrics = {k: v['mean'] for k, v in result['summary'].items()}
            else:  # probe.py output: k-NN and linear-probe top-1 of the pretraining config
                metrics = {k: result[k] for k in ('knn_top1', 'linear_top1') if k in result}
                if not meta:
                    meta = dict(task='probe')
            task = meta.get('task')
            if task == 'seqjepa-eval':
                columns = {column: metrics[key] for key, column in SEQJEPA_EVAL_KEYS.items() if key in metrics}
            elif task == 'probe':
                columns = {}
                if 'knn_top1' in metrics:
                    columns['knn'] = metrics['knn_top1']
                if 'linear_top1' in metrics:
                    columns['linear'] = metrics['linear_top1']
            else:
                details = benchmark_details(task, meta, _dumped_config(osp.dirname(path)), path)
                columns = _metric_columns(task, metrics, details)
            if columns:
                meta = resolve_benchmark_meta(meta, result.get(TRANSFER_KEY), where=path)
                records.append(dict(meta=dict(meta, modality=TASK_MODALITY.get(task, 'rgb')), columns=columns,
                                    path=path))
                covered.add(osp.dirname(path))
            if task == 'tabular':
                raw = raw_feature_columns(metrics, details['table'])
                if raw:
                    records.append(dict(meta=dict(meta, **RAW_FEATURES, modality='tabular'), columns=raw, path=path))
        for scalars in sorted(glob.glob(osp.join(work_dir, '**', 'vis_data', 'scalars.json'), recursive=True)):
            run_dir = osp.dirname(osp.dirname(osp.dirname(scalars)))  # <work_dir>/<timestamp>/vis_data/
            if run_dir in covered:
                continue
            cfg = _dumped_config(run_dir) or _dumped_config(osp.dirname(osp.dirname(scalars)))
            metrics = _last_eval(scalars)
            if cfg is None or not metrics:
                continue
            meta = dict(cfg.benchmark_meta)
            task = meta.get('task')
            columns = _metric_columns(task, metrics, benchmark_details(task, meta, cfg, scalars))
            if columns:
                meta = resolve_benchmark_meta(meta, _provenance_file(run_dir), where=scalars)
                records.append(dict(meta=dict(meta, modality=TASK_MODALITY.get(task, 'rgb')), columns=columns,
                                    path=scalars))
                covered.add(run_dir)
    return records


# ------------------------------------------------------------------------------------------ reported
_ARCH_FROM_NAME = re.compile(r'vit-(tiny|small|base|large|huge|giant)-p(\d+)')


def _metafile_paths(model_index: str) -> List[str]:
    import yaml
    with open(model_index) as f:
        index = yaml.safe_load(f) or {}
    root = osp.dirname(osp.abspath(model_index))
    return [osp.join(root, p) for p in index.get('Import', [])]


def _reported_columns(result: dict) -> Tuple[Optional[str], Dict[str, float], Optional[str]]:
    """``(modality, columns, benchmark)`` of one metafile Results entry (``benchmark``: the row's dataset,
    None for the standard benchmark). Tasks: 'Linear Probe', 'Fine-tune', 'k-NN' (ImageNet top-1, or PTB-XL
    'Macro AUC' with ``Label Set``), 'Semantic Segmentation', 'Instance Segmentation', 'Few-shot Fine-tune' /
    'Few-shot Linear Probe' (``Shots``, ``Dataset`` e.g. 'MSTAR SOC')."""
    task, metrics, dataset = result.get('Task', ''), result.get('Metrics') or {}, str(result.get('Dataset', ''))
    protocol = {'Linear Probe': 'linear', 'Fine-tune': 'finetune', 'Few-shot Linear Probe': 'linear',
                'Few-shot Fine-tune': 'finetune'}.get(task)
    if dataset.startswith('PTB-XL'):
        label_set = str(result.get('Label Set', UNKNOWN)).replace('-', '_').replace(' ', '_')
        if protocol and 'Macro AUC' in metrics:
            return 'ecg', {ptbxl_column(label_set, protocol): metrics['Macro AUC']}, None
        return None, {}, None
    if task.startswith('Tabular '):  # 'Tabular MLP' / 'Tabular ResNet' / 'Tabular XGBoost', Input: raw features?
        model = task.split(' ', 1)[1].lower()
        metric = 'accuracy' if 'Accuracy' in metrics else 'rmse' if 'RMSE' in metrics else None
        if model in TABULAR_MODELS and metric:
            raw = str(result.get('Input', '')).lower() == 'raw features'
            value = metrics['Accuracy' if metric == 'accuracy' else 'RMSE']
            return 'tabular', {tabular_column(dataset, model, metric): value}, 'raw features' if raw else None
        return None, {}, None
    if task.startswith('Few-shot'):
        if protocol and 'Top 1 Accuracy' in metrics:
            benchmark = re.sub(r'[^a-z0-9]+', '-', dataset.lower()).strip('-') or None
            return 'sar', {sar_column(result.get('Shots', UNKNOWN), protocol): metrics['Top 1 Accuracy']}, benchmark
        return None, {}, None
    columns = {}
    if task == 'Linear Probe' and 'Top 1 Accuracy' in metrics:
        columns['linear'] = metrics['Top 1 Accuracy']
    elif task == 'Fine-tune' and 'Top 1 Accuracy' in metrics:
        columns['finetune'] = metrics['Top 1 Accuracy']
    elif task == 'k-NN' and 'Top 1 Accuracy' in metrics:
        columns['knn'] = metrics['Top 1 Accuracy']
    elif task == 'Semantic Segmentation' and 'mIoU' in metrics:
        columns['ade20k'] = metrics['mIoU']
    elif task == 'Instance Segmentation':
        if 'box AP' in metrics:
            columns['coco_box'] = metrics['box AP']
        if 'mask AP' in metrics:
            columns['coco_mask'] = metrics['mask AP']
    return ('rgb' if columns else None), columns, None


def collect_reported(model_index: str) -> List[dict]:
    """Reported results (``Reported: ...`` in a Results entry) of every metafile of the model index."""
    import yaml
    records = []
    for path in _metafile_paths(model_index):
        with open(path) as f:
            meta = yaml.safe_load(f) or {}
        for model in meta.get('Models') or []:
            md = model.get('Metadata') or {}
            arch = md.get('Architecture')
            if not isinstance(arch, str):
                match = _ARCH_FROM_NAME.search(model['Name'])
                arch = f'ViT-{ARCH_LETTERS[match[1]]}/{match[2]}' if match else '?'
            epochs = md.get('Epochs')
            if epochs is None and md.get('Iterations') is not None:
                epochs = f'{md["Iterations"]} iters'
            base = dict(algorithm=model.get('In Collection', '?'), arch=arch, pretrain_epochs=epochs,
                        pretrain_data=md.get('Training Data'), checkpoint='–', dataset='standard', name=model['Name'])
            for result in model.get('Results') or []:
                if not result.get('Reported'):
                    continue
                modality, columns, benchmark = _reported_columns(result)
                if columns:
                    records.append(dict(meta=dict(base, modality=modality, dataset=benchmark or 'standard',
                                                  source=f'reported ({result["Reported"]})'),
                                        columns=columns, path=path))
    return records


# ------------------------------------------------------------------------------------------- tables
def build_rows(records: List[dict]) -> List[dict]:
    """One row per (modality, source, algorithm, arch, epochs, data, checkpoint, benchmark dataset): the tasks
    of one checkpoint on one modality's benchmarks share a row."""
    rows: 'OrderedDict[Tuple, dict]' = OrderedDict()
    for rec in records:
        meta = dict(rec['meta'])
        meta.setdefault('modality', 'rgb')
        row_key = tuple(str(meta.get(k, 'measured' if k == 'source' else '?')) for k in KEY_FIELDS)
        row = rows.setdefault(row_key, dict(zip(KEY_FIELDS, row_key), pretrain_config=meta.get('pretrain_config', '')))
        for col, value in rec['columns'].items():
            row[col] = float(value)
    order = list(MODALITIES)
    return sorted(rows.values(), key=lambda r: (order.index(r['modality']) if r['modality'] in order else len(order),
                                               r['source'] != 'measured', r['algorithm'], r['arch'],
                                               r['pretrain_epochs'], r['dataset']))


def _fmt(value, key: str = '') -> str:
    if not isinstance(value, float):
        return '–'
    if key.startswith('ptbxl_') or key.startswith('tab_') or key.startswith('rot_r2'):
        return f'{value:.3f}'  # AUC, tabular accuracy (fractions), RMSE and R^2
    return f'{value:.2f}'  # top-1 / AP in %


def applicability(rows: List[dict]) -> List[Tuple[str, str, Dict[str, str]]]:
    """Per algorithm (every one of :data:`ALGORITHM_MODALITY` and of ``rows``): its modality and, per benchmark
    group, 'yes' (its modality's benchmarks, or one it has results on) or 'n/a'; an algorithm of unknown
    modality has '?' where it has no result."""
    groups = [g for m in MODALITIES.values() for g in m['groups']]
    out = []
    for algorithm in sorted(set(ALGORITHM_MODALITY) | {r['algorithm'] for r in rows} - {RAW_FEATURES['algorithm']}):
        own = ALGORITHM_MODALITY.get(algorithm)
        has = {r['modality'] for r in rows if r['algorithm'] == algorithm}
        cells = {}
        for modality, spec in MODALITIES.items():
            for group in spec['groups']:
                cells[group] = 'yes' if modality == own or modality in has else ('n/a' if own else '?')
        out.append((algorithm, MODALITIES[own]['title'].split(':')[0] if own else UNKNOWN,
                    {g: cells[g] for g in groups}))
    return out


def to_markdown(rows: List[dict]) -> str:
    """An overview of which benchmarks apply to which algorithm, then one table per modality that has rows."""
    groups = [g for m in MODALITIES.values() for g in m['groups']]
    lines = ['**Benchmarks per algorithm** (each table below holds one input modality; n/a: the benchmark '
             'does not apply)', '', '| Algorithm | Pretrained on | ' + ' | '.join(groups) + ' |',
             '|' + '---|' * (len(groups) + 2)]
    for algorithm, modality, cells in applicability(rows):
        lines.append(f'| {algorithm} | {modality} | ' + ' | '.join(cells[g] for g in groups) + ' |')
    for modality, spec in MODALITIES.items():
        table_rows = [r for r in rows if r['modality'] == modality]
        if not table_rows:
            continue
        columns = modality_columns(modality, table_rows)
        header = ['Algorithm', 'Arch', 'Pretrain epochs', 'Pretrain data', 'Checkpoint', 'Benchmark', 'Source',
                  *(column_title(c) for c in columns)]
        lines += ['', f'### {spec["title"]}', '', '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
        for r in table_rows:
            source = r['source'] if r['source'] == 'measured' else f'**{r["source"]}**'
            cells = [r['algorithm'], r['arch'], r['pretrain_epochs'], r['pretrain_data'], r['checkpoint'],
                     r['dataset'], source, *(_fmt(r.get(c), c) for c in columns)]
            lines.append('| ' + ' | '.join(str(c) for c in cells) + ' |')
    return '\n'.join(lines) + '\n'


def csv_columns(rows: List[dict]) -> List[str]:
    return [c for m in MODALITIES for c in modality_columns(m, [r for r in rows if r['modality'] == m])
            if m == 'rgb' or any(r['modality'] == m for r in rows)]


def write_csv(rows: List[dict], path: str) -> None:
    """One CSV of every row: the metric columns of all modalities, empty where a row has none."""
    columns = csv_columns(rows)
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['algorithm', 'arch', 'pretrain_epochs', 'pretrain_data', 'checkpoint', 'pretrain_config',
                         'benchmark', 'source', 'modality', *columns])
        for r in rows:
            writer.writerow([r['algorithm'], r['arch'], r['pretrain_epochs'], r['pretrain_data'], r['checkpoint'],
                             r['pretrain_config'], r['dataset'], r['source'], r['modality'],
                             *('' if r.get(c) is None else _fmt(r[c], c) for c in columns)])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Leaderboard of finished transfer runs')
    parser.add_argument('work_dirs', nargs='+', help='work dirs of finished runs (searched recursively)')
    parser.add_argument('--out', help='markdown file (the table is printed anyway)')
    parser.add_argument('--csv', help='CSV file; by default next to --out with a .csv suffix')
    parser.add_argument('--model-index', default=osp.join(osp.dirname(__file__), '..', '..', 'model-index.yml'),
                        help='model-index.yml whose metafiles hold the reported results')
    parser.add_argument('--no-reported', action='store_true', help='leave the paper-reported rows out')
    return parser.parse_args(argv)


def main(argv=None) -> List[dict]:
    args = parse_args(argv)
    records = collect_runs(args.work_dirs)
    if not records:
        raise SystemExit(f'No finished runs (test_metrics.json, knn*.json, probe*.json or scalars.json with '
                         f'metrics and benchmark_meta) under {args.work_dirs}')
    if not args.no_reported and osp.isfile(args.model_index):
        records += collect_reported(args.model_index)
    rows = build_rows(records)
    table = to_markdown(rows)
    print(table, end='')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            f.write('# mmjepa leaderboard\n\nMeasured rows come from finished runs; **reported** rows are the '
                    "numbers of the papers or the official code (configs/*/metafile.yml).\n\n" + table)
    csv_path = args.csv or (osp.splitext(args.out)[0] + '.csv' if args.out else None)
    if csv_path:
        write_csv(rows, csv_path)
    return rows


if __name__ == '__main__':
    main()
