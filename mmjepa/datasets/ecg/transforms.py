# Copyright (c) mmjepa contributors. All rights reserved.
"""Signal transforms of `ECG-JEPA <https://arxiv.org/abs/2410.13867>`_: crops, normalisation and packing.

The official code (``kweimann/ECG-JEPA``) normalises each lead with fixed statistics and clips to [-5, 5]
(``pretrain.py``, ``finetune.py``), takes one random crop in training (10 s for pretraining, 2.5 s for the
PTB-XL probes and fine-tuning) and, in evaluation, every 2.5 s crop at a 1.25 s stride, averaging the
crops' logits (``finetune.py: strided_crops``). Signals are float32 ``[leads, T]`` under ``results['signal']``.
"""
from typing import Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS
from mmpretrain.structures import DataSample

from .signal_io import bad_signal

#: Per-lead mean and standard deviation (mV) of PTB-XL's folds 1-8 at 500 Hz, lead order I..V6, as the
#: official ``pretrain.py`` states them (its ``finetune.py`` recomputes them from the task's training split).
PTBXL_MEAN = (-0.002, -0.002, 0.000, 0.002, -0.001, -0.001, 0.000, -0.001, -0.002, -0.001, -0.001, -0.001)
PTBXL_STD = (0.191, 0.166, 0.173, 0.142, 0.149, 0.147, 0.235, 0.338, 0.335, 0.299, 0.294, 0.242)
#: Named statistics for ``NormalizeSignal(preset=...)`` (configs cannot import the constants).
STATS_PRESETS = {'ptbxl': (PTBXL_MEAN, PTBXL_STD)}


def _signal(results: dict, name: str) -> np.ndarray:
    signal = results.get('signal')
    if not isinstance(signal, np.ndarray) or signal.ndim != 2:
        raise ValueError(f'{name} needs results["signal"] as a [leads, T] array (from PTBXLDataset or '
                         f'WFDBPretrainDataset), got {type(signal).__name__} '
                         f'{getattr(signal, "shape", "")}')
    return signal


def _check_length(results: dict, signal: np.ndarray, length: int) -> None:
    if signal.shape[-1] < length:
        record = results.get('signal_path', '<unknown record>')
        fs = results.get('sampling_rate')
        rate = f' at {fs:g} Hz' if fs else ''
        raise bad_signal(record, f'{signal.shape[-1]} samples{rate}, shorter than the {length}-sample crop of '
                                 'the pipeline')


def _positive(name: str, value) -> int:
    if int(value) != value or value < 1:
        raise ValueError(f'{name} must be a positive integer, got {value!r}')
    return int(value)


@TRANSFORMS.register_module()
class RandomSignalCrop(BaseTransform):
    """A random window of ``length`` samples (start uniform over ``[0, T - length]``, numpy's global RNG, as
    the official ``random_crop``). A record shorter than ``length`` raises, naming the record.

    Required keys: ``signal``. Modified keys: ``signal``; added: ``crop_start``.
    """

    def __init__(self, length: int):
        self.length = _positive('RandomSignalCrop.length', length)

    def transform(self, results: dict) -> dict:
        signal = _signal(results, type(self).__name__)
        _check_length(results, signal, self.length)
        start = int(np.random.randint(signal.shape[-1] - self.length + 1))
        results['signal'] = np.ascontiguousarray(signal[:, start:start + self.length])
        results['crop_start'] = start
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(length={self.length})'


@TRANSFORMS.register_module()
class CenterSignalCrop(RandomSignalCrop):
    """The centred window of ``length`` samples (start ``(T - length) // 2``): one deterministic crop for
    evaluation with any classifier (the official evaluation averages strided crops: :class:`StridedSignalCrops`).
    """

    def transform(self, results: dict) -> dict:
        signal = _signal(results, type(self).__name__)
        _check_length(results, signal, self.length)
        start = (signal.shape[-1] - self.length) // 2
        results['signal'] = np.ascontiguousarray(signal[:, start:start + self.length])
        results['crop_start'] = start
        return results


@TRANSFORMS.register_module()
class StridedSignalCrops(BaseTransform):
    """Every window of ``length`` samples at ``stride`` (starts ``0, stride, ...`` while the window fits), the
    official evaluation (2.5 s windows at 1.25 s: 7 crops of a 10 s record). ``signal`` becomes
    ``[num_crops, leads, length]``; the classifier averages the crops' logits (``CropAverageClassifier``).

    Required keys: ``signal``. Modified keys: ``signal``; added: ``num_crops``.
    """

    def __init__(self, length: int, stride: Optional[int] = None):
        self.length = _positive('StridedSignalCrops.length', length)
        self.stride = self.length if stride is None else _positive('StridedSignalCrops.stride', stride)

    def transform(self, results: dict) -> dict:
        signal = _signal(results, type(self).__name__)
        _check_length(results, signal, self.length)
        starts = range(0, signal.shape[-1] - self.length + 1, self.stride)
        results['signal'] = np.stack([signal[:, s:s + self.length] for s in starts])
        results['num_crops'] = len(starts)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(length={self.length}, stride={self.stride})'


@TRANSFORMS.register_module()
class NormalizeSignal(BaseTransform):
    """``clip((signal - mean) / (std + eps), -clip, clip)`` per lead.

    Statistics, in order of precedence: ``mean``/``std`` given here (per lead) or ``preset`` (``'ptbxl'``:
    :data:`PTBXL_MEAN`, :data:`PTBXL_STD`, the official PTB-XL values); ``results['lead_mean']`` and
    ``results['lead_std']`` (per source, set by ``WFDBPretrainDataset`` from its ``sources``: the official code
    normalises each pretraining database with its own statistics); else the record's own per-lead mean and std
    (the official ``normalize_`` without statistics).

    Args:
        mean, std (Sequence[float], optional): Per-lead statistics.
        preset (str, optional): Named statistics of :data:`STATS_PRESETS` instead of ``mean``/``std``.
        clip (float, optional): Clip to ``[-clip, clip]`` after normalising; None: no clipping. Defaults to 5,
            the official value.
        eps (float): Added to the std. Defaults to 1e-6 (the official code adds 0; a flat lead would divide
            by zero).
        dtype (str): ``'float32'`` (default) or ``'float16'``: the official pretraining stores its signals and
            statistics as float16 and normalises and clips them in float16 arithmetic (``pretrain.py``,
            ``data/utils.py``); with ``'float16'`` the signal and statistics are rounded to float16 and
            normalised in it, then returned as float32 as the official loader does.
    """
    DTYPES = ('float32', 'float16')

    def __init__(self, mean: Optional[Sequence[float]] = None, std: Optional[Sequence[float]] = None,
                 clip: Optional[float] = 5., eps: float = 1e-6, preset: Optional[str] = None,
                 dtype: str = 'float32'):
        if dtype not in self.DTYPES:
            raise ValueError(f'NormalizeSignal: dtype={dtype!r} must be one of {self.DTYPES}')
        self.dtype = np.dtype(dtype)
        if preset is not None:
            if preset not in STATS_PRESETS or mean is not None or std is not None:
                raise ValueError(f'NormalizeSignal: preset={preset!r} must be one of {sorted(STATS_PRESETS)}, '
                                 'without mean/std')
            mean, std = STATS_PRESETS[preset]
        self.preset = preset
        if (mean is None) != (std is None):
            raise ValueError('NormalizeSignal: give both mean and std, or neither')
        self.mean = None if mean is None else np.asarray(mean, dtype=np.float32).reshape(-1, 1)
        self.std = None if std is None else np.asarray(std, dtype=np.float32).reshape(-1, 1)
        if self.mean is not None and (len(self.mean) != len(self.std) or (self.std <= 0).any()):
            raise ValueError(f'NormalizeSignal: mean and std must have one value per lead, std > 0; got '
                             f'{len(self.mean)} means and {len(self.std)} stds')
        self.clip, self.eps = clip, float(eps)

    def transform(self, results: dict) -> dict:
        signal = _signal(results, type(self).__name__)
        if self.mean is not None:
            mean, std = self.mean, self.std
        elif results.get('lead_mean') is not None:
            mean = np.asarray(results['lead_mean'], dtype=np.float32).reshape(-1, 1)
            std = np.asarray(results['lead_std'], dtype=np.float32).reshape(-1, 1)
        else:
            mean, std = signal.mean(axis=1, keepdims=True), signal.std(axis=1, keepdims=True)
        if len(mean) != len(signal):
            raise ValueError(f'NormalizeSignal: {len(mean)} per-lead statistics for a {len(signal)}-lead signal '
                             f'({results.get("signal_path", "<unknown record>")!r})')
        dtype = self.dtype
        out = (signal.astype(dtype) - mean.astype(dtype)) / (std.astype(dtype) + dtype.type(self.eps))
        if self.clip is not None:
            np.clip(out, dtype.type(-self.clip), dtype.type(self.clip), out=out)
        results['signal'] = out.astype(np.float32, copy=False)
        return results

    def __repr__(self) -> str:
        stats = self.preset or ('given' if self.mean is not None else 'per source or per record')
        return f'{type(self).__name__}(statistics={stats}, clip={self.clip}, eps={self.eps}, dtype={self.dtype})'


@TRANSFORMS.register_module()
class PackSignalInputs(BaseTransform):
    """Pack ``signal`` into ``inputs`` (float32 tensor ``[leads, T]``, or ``[num_crops, leads, T]``) and a
    :class:`DataSample` with ``gt_label`` (label indices) and ``gt_score`` (multi-hot float) when present:
    mmpretrain's multi-label heads and metrics read ``gt_score`` first, single-label ones ``gt_label``.

    Args:
        meta_keys (Sequence[str]): Keys copied into the data sample's metainfo when present.
    """

    def __init__(self, meta_keys: Sequence[str] = ('signal_path', 'ecg_id', 'strat_fold', 'sampling_rate',
                                                    'source', 'crop_start', 'num_crops')):
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        signal = results.get('signal')
        if not isinstance(signal, np.ndarray) or signal.ndim not in (2, 3):
            raise ValueError('PackSignalInputs needs results["signal"], a [leads, T] or [crops, leads, T] array')
        sample = DataSample()
        if results.get('gt_label') is not None:
            sample.set_gt_label(np.asarray(results['gt_label'], dtype=np.int64))
        if results.get('gt_score') is not None:
            sample.set_gt_score(torch.as_tensor(np.asarray(results['gt_score'], dtype=np.float32)))
        sample.set_metainfo({k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=torch.from_numpy(np.ascontiguousarray(signal, dtype=np.float32)), data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
