# Copyright (c) mmjepa contributors. All rights reserved.
"""Unlabelled 12-lead records of several WFDB databases, mixed for `ECG-JEPA <https://arxiv.org/abs/2410.13867>`_
pretraining.

The official code (``kweimann/ECG-JEPA``, ``pretrain.py``) pretrains on ten databases, each resampled to 500 Hz,
NaN-interpolated, normalised with its own per-lead statistics and clipped to [-5, 5], reordered to the leads
I..V6, cropped to 10 s at random; records shorter than the crop are dropped; a batch draws its database with
fixed weights (``DatasetRouter``). PTB-XL takes part with its folds 1-8 only.

Here each source is one WFDB database, read lazily. Departures (options offer the official behaviour):
resampling is polyphase (``resample_method='poly'``; ``'fft'`` is the official ``scipy.signal.resample``);
bad records raise (``nan_policy='interpolate'`` and ``skip_short=True`` do what the official code does);
databases are concatenated, each ``repeat`` times (the official code samples them by weight).
"""
import logging
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.logging import print_log
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from .signal_io import LEADS, NAN_POLICIES, RESAMPLE_METHODS, bad_signal, read_wfdb_signal
from ...utils.extras import require

SOURCE_KEYS = ('data_root', 'records', 'sampling_rate', 'folds', 'name', 'mean', 'std', 'repeat',
               'remove_baseline_wander')


def read_record_list(data_root: str, list_file: str, _seen: Optional[set] = None) -> List[str]:
    """Record names (relative to ``data_root``) of a PhysioNet ``RECORDS``-style file: one record per line,
    paths relative to the file's folder; a line ending in ``/`` is a folder holding its own ``RECORDS``."""
    path = osp.join(data_root, list_file)
    if not osp.isfile(path):
        raise FileNotFoundError(f'WFDBPretrainDataset: record list {path!r} does not exist (source data_root='
                                f'{data_root!r}, records={list_file!r})')
    seen = set() if _seen is None else _seen
    if osp.realpath(path) in seen:
        raise ValueError(f'WFDBPretrainDataset: record list {path!r} includes itself')
    seen.add(osp.realpath(path))
    base = osp.dirname(list_file)
    names = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if line.endswith('/'):
                names += read_record_list(data_root, osp.join(base, line, 'RECORDS'), seen)
            else:
                names.append(osp.normpath(osp.join(base, line)))
    return names


def read_ptbxl_list(data_root: str, csv_file: str, folds: Optional[Sequence[int]], sampling_rate) -> List[str]:
    """Records of a PTB-XL ``ptbxl_database.csv`` (``filename_hr``, or ``filename_lr`` at 100 Hz), of ``folds``."""
    pd = require('pandas', 'ecg', 'The record list')
    path = osp.join(data_root, csv_file)
    if not osp.isfile(path):
        raise FileNotFoundError(f'WFDBPretrainDataset: PTB-XL database file {path!r} does not exist')
    table = pd.read_csv(path)
    column = 'filename_lr' if sampling_rate == 100 else 'filename_hr'
    if folds is not None:
        table = table[table.strat_fold.isin(list(folds))]
    return [str(name) for name in table[column]]


@DATASETS.register_module()
class WFDBPretrainDataset(BaseDataset):
    """Records of several WFDB databases as float32 ``[12, T]`` signals at ``target_fs`` (no labels).

    Args:
        sources (Sequence[dict]): One dict per database:

            - ``data_root`` (str): its folder.
            - ``records`` (str | list): a ``RECORDS``-style list file (default ``'RECORDS'``), a PTB-XL
              ``ptbxl_database.csv`` (a ``.csv`` name), or a list of record names; relative to ``data_root``.
            - ``folds`` (list[int], optional): with a PTB-XL CSV, the ``strat_fold`` values to use (the
              official pretraining uses 1-8).
            - ``sampling_rate`` (float, optional): the rate its headers must state; None: any (then resampled).
            - ``mean``, ``std`` (12 floats, optional): its per-lead statistics, passed on as ``lead_mean`` /
              ``lead_std`` for ``NormalizeSignal``.
            - ``name`` (str, optional), ``repeat`` (float, default 1: the source is listed
              ``round(repeat * n)`` times, cycling through its records).
            - ``remove_baseline_wander`` (bool, default False): high-pass each record at 0.5 Hz before
              resampling (the official recipe does so for CODE-15 and St-Petersburg).
        target_fs (float): Rate of every returned signal. Defaults to 500 Hz.
        min_length (int, optional): Fewest samples at ``target_fs`` (the pretraining crop: 5000 = 10 s); a
            shorter record raises when read. Defaults to 5000.
        skip_short (bool): Read every header at initialisation and leave out records shorter than
            ``min_length`` (the official code drops them). Defaults to False.
        nan_policy (str): ``'raise'`` (default) or ``'interpolate'`` (the official pretraining's).
        resample_method (str): ``'poly'`` (default) or ``'fft'`` (the official one).
        pipeline (Sequence[dict]): Transforms (crop, normalisation, packing).
        **kwargs: ``indices``, ``test_mode``, ``lazy_init``, ``serialize_data`` of mmengine's BaseDataset.
    """

    def __init__(self,
                 sources: Sequence[dict],
                 target_fs: float = 500.,
                 min_length: Optional[int] = 5000,
                 skip_short: bool = False,
                 nan_policy: str = 'raise',
                 resample_method: str = 'poly',
                 pipeline: Sequence = (),
                 **kwargs):
        if isinstance(sources, dict) or not sources:
            raise ValueError('WFDBPretrainDataset: sources must be a non-empty list of dicts, e.g. '
                             "[dict(data_root='data/ptbxl', records='ptbxl_database.csv', folds=[1, 2, 3, 4, 5, 6, "
                             "7, 8])]")
        for i, source in enumerate(sources):
            unknown = set(source) - set(SOURCE_KEYS)
            if unknown or 'data_root' not in source:
                raise ValueError(f'WFDBPretrainDataset: sources[{i}] = {source!r}: needs data_root; known keys '
                                 f'are {SOURCE_KEYS}' + (f' (unknown: {sorted(unknown)})' if unknown else ''))
            for key in ('mean', 'std'):
                if source.get(key) is not None and len(source[key]) != len(LEADS):
                    raise ValueError(f'WFDBPretrainDataset: sources[{i}].{key} needs {len(LEADS)} values (leads '
                                     f'{LEADS}), got {len(source[key])}')
            if (source.get('mean') is None) != (source.get('std') is None):
                raise ValueError(f'WFDBPretrainDataset: sources[{i}]: give both mean and std, or neither')
        if nan_policy not in NAN_POLICIES:
            raise ValueError(f'WFDBPretrainDataset: nan_policy={nan_policy!r} must be one of {NAN_POLICIES}')
        if resample_method not in RESAMPLE_METHODS:
            raise ValueError(f'WFDBPretrainDataset: resample_method={resample_method!r} must be one of '
                             f'{RESAMPLE_METHODS}')
        self.sources = [dict(s) for s in sources]
        self.target_fs, self.min_length, self.skip_short = float(target_fs), min_length, bool(skip_short)
        self.nan_policy, self.resample_method = nan_policy, resample_method
        super().__init__(ann_file='', pipeline=pipeline, **kwargs)

    def _source_records(self, source: dict) -> List[str]:
        root, records = source['data_root'], source.get('records', 'RECORDS')
        if isinstance(records, (list, tuple)):
            names = [str(r) for r in records]
        elif str(records).endswith('.csv'):
            names = read_ptbxl_list(root, records, source.get('folds'), source.get('sampling_rate'))
        else:
            names = read_record_list(root, records)
        return [osp.join(root, n) for n in names]

    def _long_enough(self, path: str) -> bool:
        wfdb = require('wfdb', 'ecg', 'Reading WFDB records')
        if not osp.isfile(path + '.hea'):
            raise FileNotFoundError(f'ECG record {path!r} is listed but its header {path + ".hea"!r} does not exist')
        try:
            header = wfdb.rdheader(path)
        except Exception as exc:
            raise bad_signal(path, f'wfdb cannot read its header ({type(exc).__name__}: {exc})') from exc
        return header.sig_len * self.target_fs / float(header.fs) >= self.min_length

    def load_data_list(self) -> List[dict]:
        data_list = []
        for i, source in enumerate(self.sources):
            name = source.get('name') or source['data_root']
            paths = self._source_records(source)
            num_listed = len(paths)
            if self.skip_short and self.min_length:
                paths = [p for p in paths if self._long_enough(p)]
            if not paths:
                raise ValueError(f'WFDBPretrainDataset: source {name!r} has no records'
                                 + (f' of at least {self.min_length} samples' if num_listed else ''))
            repeat = float(source.get('repeat', 1.))
            count = int(round(repeat * len(paths)))
            if count < 1:
                raise ValueError(f'WFDBPretrainDataset: source {name!r}: repeat={repeat} leaves no record')
            extra = dict(source=name, source_index=i, expected_fs=source.get('sampling_rate'),
                         baseline_wander=bool(source.get('remove_baseline_wander', False)),
                         lead_mean=source.get('mean'), lead_std=source.get('std'))
            data_list += [dict(signal_path=paths[j % len(paths)], **extra) for j in range(count)]
            skipped = f', {num_listed - len(paths)} shorter than {self.min_length} left out' \
                if num_listed != len(paths) else ''
            print_log(f'WFDBPretrainDataset: {name!r}: {len(paths)} records{skipped}, listed {count} times '
                      f'(repeat {repeat:g})', logger='current', level=logging.INFO)
        return data_list

    def prepare_data(self, idx: int):
        info = self.get_data_info(idx)
        info['signal'], info['sampling_rate'] = read_wfdb_signal(
            info['signal_path'], expected_fs=info['expected_fs'], target_fs=self.target_fs,
            min_length=self.min_length, nan_policy=self.nan_policy, resample_method=self.resample_method,
            baseline_wander=info.get('baseline_wander', False))
        return self.pipeline(info)

    @property
    def num_sources(self) -> int:
        return len(self.sources)

    def source_sizes(self) -> List[int]:
        """Entries of each source in this dataset (after ``repeat``)."""
        counts = np.bincount([self.get_data_info(i)['source_index'] for i in range(len(self))],
                             minlength=len(self.sources))
        return counts.tolist()

