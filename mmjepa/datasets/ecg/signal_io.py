# Copyright (c) mmjepa contributors. All rights reserved.
"""Reading 12-lead ECG records (WFDB) for `ECG-JEPA <https://arxiv.org/abs/2410.13867>`_, refusing bad ones.

Every record comes back as float32 ``[12, T]`` in the lead order of the official code (``kweimann/ECG-JEPA``,
``configs/pretrain/*.yaml``): I, II, III, aVR, aVL, aVF, V1-V6. Leads are matched by name, case-insensitively
(PTB-XL headers say ``AVR``, other databases ``aVR``). A record that is missing, unreadable, not 12-lead, at
an unexpected sampling rate, holding NaNs or too short raises an error that names it.
"""
import os.path as osp
from fractions import Fraction
from typing import Optional, Sequence, Tuple

import numpy as np

from ...utils.extras import require

#: The lead order of every signal this package returns (the official ``channels`` list).
LEADS = ('I', 'II', 'III', 'AVR', 'AVL', 'AVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6')
NAN_POLICIES = ('raise', 'interpolate')
RESAMPLE_METHODS = ('poly', 'fft')


class BadSignalError(ValueError):
    """An ECG record exists but cannot be used (unreadable, wrong leads or rate, NaNs, too short)."""

    def __init__(self, message: str, record: Optional[str] = None, reason: Optional[str] = None):
        super().__init__(message)  # one positional argument: re-raising in the DataLoader's main process works
        self.record, self.reason = record, reason


def bad_signal(record: str, reason: str) -> BadSignalError:
    return BadSignalError(f'Bad ECG record {record!r}: {reason}. Replace the record or remove it from the '
                          'dataset (its database CSV or record list)', record=record, reason=reason)


def lead_order(names: Sequence[str], record: str, leads: Sequence[str] = LEADS) -> list:
    """Indices that put the columns ``names`` of ``record`` into the order ``leads`` (names matched
    case-insensitively). Raises :class:`BadSignalError` unless the record holds exactly these leads."""
    folded = [str(n).strip().casefold() for n in names]
    index = {name: i for i, name in enumerate(folded)}
    missing = [lead for lead in leads if lead.casefold() not in index]
    if len(names) != len(leads) or missing or len(index) != len(folded):
        raise bad_signal(record, f'expected the {len(leads)} leads {list(leads)}, found {len(names)}: '
                                 f'{list(names)}' + (f' (missing {missing})' if missing else ''))
    return [index[lead.casefold()] for lead in leads]


def interpolate_nans(signal: np.ndarray, record: str) -> np.ndarray:
    """Linear interpolation over the NaN samples of each lead of ``signal`` [C, T] (the official pretraining
    preprocessing, ``data/transforms.py``); a lead that is NaN throughout raises."""
    signal = signal.copy()
    for c, lead in enumerate(signal):
        bad = np.isnan(lead)
        if bad.all():
            raise bad_signal(record, f'lead {c} is NaN throughout (nothing to interpolate from)')
        if bad.any():
            lead[bad] = np.interp(np.flatnonzero(bad), np.flatnonzero(~bad), lead[~bad])
    return signal


def resample_signal(signal: np.ndarray, fs: float, target_fs: float, method: str = 'poly') -> np.ndarray:
    """Resample ``signal`` [C, T] from ``fs`` to ``target_fs`` Hz along time.

    ``'poly'``: :func:`scipy.signal.resample_poly` (polyphase FIR, up/down from the rate ratio, T * up / down
    samples rounded up). ``'fft'``: :func:`scipy.signal.resample` to ``int(T * target_fs / fs)`` samples, what
    the official code does (``data/transforms.py: resample``).
    """
    from scipy import signal as sps
    if method not in RESAMPLE_METHODS:
        raise ValueError(f'resample_method={method!r} must be one of {RESAMPLE_METHODS}')
    if fs == target_fs:
        return signal
    if method == 'fft':
        out = sps.resample(signal, int(signal.shape[-1] * target_fs / fs), axis=-1)
    else:
        ratio = (Fraction(str(float(target_fs))) / Fraction(str(float(fs)))).limit_denominator(1000)
        out = sps.resample_poly(signal, ratio.numerator, ratio.denominator, axis=-1)
    return out.astype(np.float32)


def remove_baseline_wander(signal: np.ndarray, fs: float) -> np.ndarray:
    """High-pass ``signal`` [C, T] at 0.5 Hz: a 4th-order Butterworth filter run forwards and backwards
    (:func:`scipy.signal.filtfilt`), what the official ECG-JEPA preprocessing applies to CODE-15 and
    St-Petersburg (INCART) at their own rate, after the NaN interpolation and before resampling
    (``scripts/preprocess_data_dump.py --remove-baseline-wander``)."""
    from scipy import signal as sps
    b, a = sps.butter(4, 0.5, btype='highpass', fs=fs)
    return sps.filtfilt(b, a, signal, axis=-1).astype(np.float32)


def read_wfdb_signal(record: str,
                     expected_fs: Optional[float] = None,
                     target_fs: Optional[float] = None,
                     min_length: Optional[int] = None,
                     nan_policy: str = 'raise',
                     resample_method: str = 'poly',
                     leads: Sequence[str] = LEADS,
                     baseline_wander: bool = False) -> Tuple[np.ndarray, float]:
    """Read the WFDB record ``record`` (path without extension) as float32 ``[len(leads), T]`` and its rate.

    Args:
        record (str): Path of the record, without ``.hea``/``.dat``.
        expected_fs (float, optional): The rate the header must state (PTB-XL: 500 or 100 Hz).
        target_fs (float, optional): Resample to this rate (``resample_method``) when the header differs.
        min_length (int, optional): Fewest samples (after resampling) a usable record has.
        nan_policy (str): ``'raise'`` (default) or ``'interpolate'`` (linear, per lead; the official
            pretraining preprocessing).
        leads (Sequence[str]): Lead names, in the output order.
        baseline_wander (bool): Remove the baseline wander (:func:`remove_baseline_wander`, at the record's
            own rate, before resampling). Defaults to False.

    Returns:
        tuple: ``(signal, fs)``, ``fs`` being the rate of the returned signal.
    """
    wfdb = require('wfdb', 'ecg', 'Reading WFDB records')
    if nan_policy not in NAN_POLICIES:
        raise ValueError(f'nan_policy={nan_policy!r} must be one of {NAN_POLICIES}')
    header = record + '.hea'
    if not osp.isfile(header):
        raise FileNotFoundError(f'ECG record {record!r} is listed in the dataset but its header {header!r} does '
                                'not exist; check data_root and the database CSV or record list')
    try:
        values, fields = wfdb.rdsamp(record)
    except FileNotFoundError as exc:
        raise FileNotFoundError(f'ECG record {record!r}: a signal file named by its header does not exist '
                                f'({exc})') from exc
    except Exception as exc:  # wfdb raises ValueError, IndexError, struct errors... on damaged files
        raise bad_signal(record, f'wfdb cannot read it ({type(exc).__name__}: {exc})') from exc
    fs = float(fields['fs'])
    if expected_fs is not None and fs != float(expected_fs):
        raise bad_signal(record, f'its header states {fs:g} Hz, the dataset expects {float(expected_fs):g} Hz')
    if values is None or values.ndim != 2 or values.shape[1] != len(fields['sig_name']):
        raise bad_signal(record, 'wfdb returned no [T, leads] signal')
    if fields.get('sig_len') is not None and values.shape[0] != int(fields['sig_len']):
        raise bad_signal(record, f'its signal file holds {values.shape[0]} samples, its header states '
                                 f"{fields['sig_len']}")
    signal = np.ascontiguousarray(values[:, lead_order(fields['sig_name'], record, leads)].T, dtype=np.float32)
    num_nan = int(np.isnan(signal).sum())
    if num_nan:
        if nan_policy == 'raise':
            bad_leads = [leads[c] for c in np.flatnonzero(np.isnan(signal).any(axis=1))]
            raise bad_signal(record, f'{num_nan} NaN samples in leads {bad_leads} (set nan_policy='
                                     "'interpolate' to interpolate them linearly, as the official pretraining)")
        signal = interpolate_nans(signal, record)
    if baseline_wander:
        signal = remove_baseline_wander(signal, fs)
    if target_fs is not None and fs != float(target_fs):
        signal, fs = resample_signal(signal, fs, float(target_fs), resample_method), float(target_fs)
    if min_length is not None and signal.shape[1] < min_length:
        raise bad_signal(record, f'{signal.shape[1]} samples at {fs:g} Hz ({signal.shape[1] / fs:g} s), '
                                 f'shorter than the {min_length} samples ({min_length / fs:g} s) needed')
    return signal, fs
