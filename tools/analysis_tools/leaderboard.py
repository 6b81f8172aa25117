# Copyright (c) mmjepa contributors. All rights reserved.
"""Collect finished transfer runs into leaderboard tables (markdown + CSV).

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
known from neither is "unknown", with a warning. The run's task (linear / finetune / knn / ade20k / coco) picks
the column. Paper-reported numbers come from the metafiles listed in ``model-index.yml`` and are shown in their
own rows, marked "reported".
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

COLUMNS = OrderedDict([
    ('linear', 'IN-1k linear top-1'),
    ('finetune', 'IN-1k fine-tune top-1'),
    ('knn', 'IN-1k k-NN top-1'),
    ('ade20k', 'ADE20K mIoU'),
    ('coco_box', 'COCO AP box'),
    ('coco_mask', 'COCO AP mask'),
])
KEY_FIELDS = ('source', 'algorithm', 'arch', 'pretrain_epochs', 'pretrain_data', 'checkpoint', 'dataset')


# ------------------------------------------------------------------------------------------ measured
def _metric_columns(task: str, metrics: Dict[str, float]) -> Dict[str, float]:
    """Map the metrics of one run (mmpretrain / mmseg / mmdet names) to leaderboard columns."""
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
    return out


def _dumped_meta(run_dir: str) -> Optional[dict]:
    """``benchmark_meta`` of the config mmengine dumped into a work dir (``<work_dir>/<config>.py``)."""
    for path in sorted(glob.glob(osp.join(run_dir, '*.py'))):
        from mmengine.config import Config
        try:
            meta = Config.fromfile(path).get('benchmark_meta')
        except Exception:  # noqa: BLE001  (not a config)
            continue
        if meta:
            return dict(meta)
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
            if any(k in entry for k in ('accuracy/top1', 'mIoU', 'coco/bbox_mAP', 'coco/segm_mAP')):
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
            + glob.glob(osp.join(work_dir, '**', 'probe*.json'), recursive=True))
        covered = set()
        for path in json_files:
            with open(path) as f:
                result = json.load(f)
            meta = dict(result.get('benchmark_meta') or {})  # the config's: task, dataset, overrides
            if 'metrics' in result:
                metrics = result['metrics']
            else:  # probe.py output: k-NN and linear-probe top-1 of the pretraining config
                metrics = {k: result[k] for k in ('knn_top1', 'linear_top1') if k in result}
                if not meta:
                    meta = dict(task='probe')
            task = meta.get('task')
            if task == 'probe':
                columns = {}
                if 'knn_top1' in metrics:
                    columns['knn'] = metrics['knn_top1']
                if 'linear_top1' in metrics:
                    columns['linear'] = metrics['linear_top1']
            else:
                columns = _metric_columns(task, metrics)
            if columns:
                meta = resolve_benchmark_meta(meta, result.get(TRANSFER_KEY), where=path)
                records.append(dict(meta=meta, columns=columns, path=path))
                covered.add(osp.dirname(path))
        for scalars in sorted(glob.glob(osp.join(work_dir, '**', 'vis_data', 'scalars.json'), recursive=True)):
            run_dir = osp.dirname(osp.dirname(osp.dirname(scalars)))  # <work_dir>/<timestamp>/vis_data/
            if run_dir in covered:
                continue
            meta = _dumped_meta(run_dir) or _dumped_meta(osp.dirname(osp.dirname(scalars)))
            metrics = _last_eval(scalars)
            if not meta or not metrics:
                continue
            columns = _metric_columns(meta.get('task'), metrics)
            if columns:
                meta = resolve_benchmark_meta(meta, _provenance_file(run_dir), where=scalars)
                records.append(dict(meta=meta, columns=columns, path=scalars))
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
            base = dict(algorithm=model.get('In Collection', '?'), arch=arch, pretrain_epochs=md.get('Epochs'),
                        pretrain_data=md.get('Training Data'), checkpoint='–', dataset='standard', name=model['Name'])
            for result in model.get('Results') or []:
                if not result.get('Reported'):
                    continue
                task, metrics, columns = result.get('Task', ''), result.get('Metrics') or {}, {}
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
                if columns:
                    records.append(dict(meta=dict(base, source=f'reported ({result["Reported"]})'),
                                        columns=columns, path=path))
    return records


# ------------------------------------------------------------------------------------------- tables
def build_rows(records: List[dict]) -> List[dict]:
    rows: 'OrderedDict[Tuple, dict]' = OrderedDict()
    for rec in records:
        meta = rec['meta']
        row_key = tuple(str(meta.get(k, 'measured' if k == 'source' else '?')) for k in KEY_FIELDS)
        row = rows.setdefault(row_key, dict(zip(KEY_FIELDS, row_key), pretrain_config=meta.get('pretrain_config', '')))
        for col, value in rec['columns'].items():
            row[col] = float(value)
    return sorted(rows.values(), key=lambda r: (r['source'] != 'measured', r['algorithm'], r['arch'],
                                               r['pretrain_epochs'], r['dataset']))


def _fmt(value) -> str:
    return f'{value:.2f}' if isinstance(value, float) else '–'


def to_markdown(rows: List[dict]) -> str:
    header = ['Algorithm', 'Arch', 'Pretrain epochs', 'Pretrain data', 'Checkpoint', 'Benchmark', 'Source',
              *COLUMNS.values()]
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for r in rows:
        source = r['source'] if r['source'] == 'measured' else f'**{r["source"]}**'
        cells = [r['algorithm'], r['arch'], r['pretrain_epochs'], r['pretrain_data'], r['checkpoint'], r['dataset'],
                 source, *(_fmt(r.get(c)) for c in COLUMNS)]
        lines.append('| ' + ' | '.join(str(c) for c in cells) + ' |')
    return '\n'.join(lines) + '\n'


def write_csv(rows: List[dict], path: str) -> None:
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['algorithm', 'arch', 'pretrain_epochs', 'pretrain_data', 'checkpoint', 'pretrain_config',
                         'benchmark', 'source', *COLUMNS])
        for r in rows:
            writer.writerow([r['algorithm'], r['arch'], r['pretrain_epochs'], r['pretrain_data'], r['checkpoint'],
                             r['pretrain_config'], r['dataset'], r['source'],
                             *('' if r.get(c) is None else f'{r[c]:.2f}' for c in COLUMNS)])


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
                    "papers' numbers (configs/*/metafile.yml).\n\n" + table)
    csv_path = args.csv or (osp.splitext(args.out)[0] + '.csv' if args.out else None)
    if csv_path:
        write_csv(rows, csv_path)
    return rows


if __name__ == '__main__':
    main()
