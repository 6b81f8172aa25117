# Copyright (c) mmjepa contributors. All rights reserved.
"""PTB-XL (Wagner et al. 2020, PhysioNet) as distributed, for the `ECG-JEPA <https://arxiv.org/abs/2410.13867>`_
evaluation: multi-label ``'all'`` statements and ``'superdiagnostic'`` classes, the standard folds.

Labels follow the official code (``kweimann/ECG-JEPA``, ``data/datasets/ptb_xl.py``, from the PTB-XL benchmark
of Strodthoff et al.): a record's ``scp_codes`` keys are its statements whatever their likelihood; its
superdiagnostic classes are the ``diagnostic_class`` of those statements marked ``diagnostic`` in
``scp_statements.csv``; records without any label for the task are left out; classes are sorted by name
(sklearn's ``MultiLabelBinarizer``). ``single_label=True`` keeps the records with exactly one label, the
official ``ST-MEM`` task (superdiagnostic, single-label) of the paper's table.

Departure: the ``'all'`` classes are every statement of ``scp_statements.csv`` (71 on PTB-XL), where the
official code takes the statements that occur in the records; on PTB-XL every statement occurs, so both give
the same 71 classes.
"""
import ast
import logging
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.logging import print_log
from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.registry import DATASETS

from .signal_io import NAN_POLICIES, read_wfdb_signal
from ...utils.extras import require

TASKS = ('superdiagnostic', 'all')
FILENAME_COLUMNS = {500: 'filename_hr', 100: 'filename_lr'}
RECORD_DURATION = 10  # seconds, every PTB-XL record


def _read_csv(path: str, index_col, what: str):
    pd = require('pandas', 'ecg', 'The PTB-XL metadata table')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'PTB-XL {what} {path!r} does not exist: data_root must hold PTB-XL as distributed by PhysioNet '
            '(ptbxl_database.csv, scp_statements.csv, records100/, records500/), or the demo set '
            '(python tools/dataset_converters/make_demo_data.py --sets ptbxl)')
    return pd.read_csv(path, index_col=index_col)


def _present(value) -> bool:
    """A filled cell of PTB-XL's CSVs (empty cells read as NaN)."""
    return value is not None and not (isinstance(value, float) and np.isnan(value))


@DATASETS.register_module()
class PTBXLDataset(MultiLabelDataset):
    """PTB-XL records as float32 ``[12, T]`` signals with multi-hot labels, read lazily with ``wfdb``.

    Args:
        data_root (str): The PTB-XL folder (``ptbxl_database.csv``, ``scp_statements.csv``, ``records500/``,
            ``records100/``).
        task (str): ``'superdiagnostic'`` (5 classes: CD, HYP, MI, NORM, STTC) or ``'all'`` (every statement).
        sampling_rate (int): 500 (``filename_hr``, 5000 samples; the official code's) or 100 (``filename_lr``).
        folds (Sequence[int]): ``strat_fold`` values to keep. The standard split: 1-8 train, 9 val, 10 test.
        single_label (bool): Keep only the records with exactly one label. Defaults to False.
        nan_policy (str): ``'raise'`` (default) or ``'interpolate'`` NaN samples (see ``read_wfdb_signal``).
        pipeline (Sequence[dict]): Transforms applied to ``signal`` (see ``mmjepa.datasets.ecg.transforms``).
        database_file, statements_file (str): The CSV names under ``data_root``.
        **kwargs: ``indices``, ``test_mode``, ``lazy_init``, ``serialize_data``, ``max_refetch`` of
            :class:`mmengine.dataset.BaseDataset`.

    Each sample's results dict holds ``signal`` (float32 [12, T], leads I..V6), ``sampling_rate``,
    ``signal_path``, ``ecg_id``, ``strat_fold``, ``gt_label`` (sorted class indices) and ``gt_score``
    (multi-hot float32). A missing, unreadable, non-12-lead, NaN-holding (``nan_policy='raise'``), wrong-rate or
    shorter-than-10-s record raises when it is read, naming the record.
    """

    def __init__(self,
                 data_root: str,
                 task: str = 'superdiagnostic',
                 sampling_rate: int = 500,
                 folds: Sequence[int] = tuple(range(1, 9)),
                 single_label: bool = False,
                 nan_policy: str = 'raise',
                 pipeline: Sequence = (),
                 database_file: str = 'ptbxl_database.csv',
                 statements_file: str = 'scp_statements.csv',
                 **kwargs):
        if task not in TASKS:
            raise ValueError(f'PTBXLDataset: task={task!r} must be one of {TASKS}')
        if sampling_rate not in FILENAME_COLUMNS:
            raise ValueError(f'PTBXLDataset: sampling_rate={sampling_rate!r} must be 500 or 100 (PTB-XL ships '
                             'records500/ and records100/)')
        folds = tuple(folds)
        if not folds or any(not isinstance(f, (int, np.integer)) or not 1 <= f <= 10 for f in folds):
            raise ValueError(f'PTBXLDataset: folds={folds!r} must be strat_fold values in 1..10 (standard split: '
                             '1-8 train, 9 val, 10 test)')
        if nan_policy not in NAN_POLICIES:
            raise ValueError(f'PTBXLDataset: nan_policy={nan_policy!r} must be one of {NAN_POLICIES}')
        for key in ('classes', 'metainfo', 'ann_file'):
            if key in kwargs:
                raise ValueError(f'PTBXLDataset: {key!r} is not an option: classes follow from task and '
                                 f'{statements_file}')
        self.task, self.sampling_rate, self.folds = task, int(sampling_rate), folds
        self.single_label, self.nan_policy = bool(single_label), nan_policy
        self.expected_length = RECORD_DURATION * self.sampling_rate
        self.statements_file = statements_file
        self._statements = _read_csv(osp.join(data_root, statements_file), 0, 'statements file')
        self.statement_to_class = self._statement_classes()
        classes = tuple(sorted(set(self.statement_to_class.values())))
        super().__init__(ann_file=database_file, data_root=data_root, pipeline=pipeline,
                         metainfo=dict(classes=classes), **kwargs)

    def _statement_classes(self) -> dict:
        """statement code -> class name of this task (statements without a class are absent)."""
        table = self._statements
        if self.task == 'all':
            return {str(code): str(code) for code in table.index}
        for column in ('diagnostic', 'diagnostic_class'):
            if column not in table.columns:
                raise ValueError(f'PTB-XL statements file {self.statements_file!r} has no {column!r} column')
        return {str(code): str(row.diagnostic_class) for code, row in table.iterrows()
                if _present(row.diagnostic) and float(row.diagnostic) == 1. and _present(row.diagnostic_class)}

    def load_data_list(self) -> List[dict]:
        table = _read_csv(self.ann_file, None, 'database file')
        column = FILENAME_COLUMNS[self.sampling_rate]
        missing = [c for c in ('ecg_id', 'scp_codes', 'strat_fold', column) if c not in table.columns]
        if missing:
            raise ValueError(f'PTB-XL database file {self.ann_file!r} has no column(s) {missing}')
        known = set(map(str, self._statements.index))
        class_index = {name: i for i, name in enumerate(self.metainfo['classes'])}
        num_classes = len(class_index)
        data_list, num_unlabelled, num_multi = [], 0, 0
        for row in table.itertuples(index=False):
            fold = int(row.strat_fold)
            if fold not in self.folds:
                continue
            ecg_id = int(row.ecg_id)
            codes = self._codes(row.scp_codes, ecg_id)
            unknown = sorted(set(codes) - known)
            if unknown:
                raise ValueError(f'PTB-XL record ecg_id={ecg_id} ({self.ann_file!r}) has statements {unknown} '
                                 f'that {self.statements_file!r} does not list')
            labels = sorted({class_index[self.statement_to_class[c]] for c in codes if c in self.statement_to_class})
            if not labels:
                num_unlabelled += 1
                continue
            if self.single_label and len(labels) != 1:
                num_multi += 1
                continue
            gt_score = np.zeros(num_classes, dtype=np.float32)
            gt_score[labels] = 1.
            data_list.append(dict(signal_path=osp.join(self.data_root, str(getattr(row, column))), ecg_id=ecg_id,
                                  strat_fold=fold, gt_label=labels, gt_score=gt_score))
        dropped = f'; left out {num_unlabelled} without a {self.task} label' if num_unlabelled else ''
        if num_multi:
            dropped += f' and {num_multi} with several (single_label=True)'
        print_log(f'PTBXLDataset({self.task}, {self.sampling_rate} Hz, folds {list(self.folds)}): '
                  f'{len(data_list)} records, {num_classes} classes{dropped}', logger='current',
                  level=logging.INFO)
        return data_list

    def _codes(self, cell, ecg_id: int) -> dict:
        try:
            codes = ast.literal_eval(cell) if isinstance(cell, str) else None
        except (ValueError, SyntaxError):
            codes = None
        if not isinstance(codes, dict):
            raise ValueError(f'PTB-XL record ecg_id={ecg_id} ({self.ann_file!r}): scp_codes {cell!r} is not a '
                             "dict literal such as \"{'NORM': 100.0, 'SR': 0.0}\"")
        return {str(k): v for k, v in codes.items()}

    def read_signal(self, info: dict) -> np.ndarray:
        """The record of ``info`` as float32 [12, T] (checked: see the class docstring)."""
        signal, _ = read_wfdb_signal(info['signal_path'], expected_fs=self.sampling_rate,
                                     min_length=self.expected_length, nan_policy=self.nan_policy)
        return signal

    def prepare_data(self, idx: int) -> Optional[dict]:
        info = self.get_data_info(idx)
        info['signal'] = self.read_signal(info)
        info['sampling_rate'] = self.sampling_rate
        return self.pipeline(info)
