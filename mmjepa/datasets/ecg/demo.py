# Copyright (c) mmjepa contributors. All rights reserved.
"""A synthetic 12-lead ECG database in the PTB-XL layout, for the `ECG-JEPA <https://arxiv.org/abs/2410.13867>`_
demo (no download): records simulated with neurokit2 (``nk.ecg_simulate(method='multileads')``, the ECGSYN
model of McSharry et al. 2003) and written like PTB-XL 1.0.3::

    <root>/ptbxl_database.csv    ecg_id, patient_id, age, sex, report, scp_codes (dict string), static_noise,
                                 strat_fold (1-10), filename_lr, filename_hr
    <root>/scp_statements.csv    the statements used (index = code; diagnostic, form, rhythm, diagnostic_class,
                                 diagnostic_subclass as in PTB-XL's file)
    <root>/records500/00000/00001_hr.{hea,dat}   500 Hz, 10 s, 12 leads, 16 bit, 1000 units per mV
    <root>/records100/00000/00001_lr.{hea,dat}   the same record downsampled to 100 Hz
    <root>/RECORDS               every record, as PhysioNet lists them

Each record draws a morphology (normal, or one or two of: inferior infarction, left ventricular hypertrophy,
left bundle branch block, T-wave abnormality, made from ECGSYN's wave angles/amplitudes/widths) and a rhythm
(sinus 60-90 bpm, sinus tachycardia 110-150, sinus bradycardia 40-55, atrial fibrillation: no P wave and an
irregular rate), labelled with the PTB-XL statement codes they imitate. Deterministic under ``seed`` (record
``i`` is drawn from ``numpy.random.SeedSequence([seed, i])``).

Needs numpy, scipy, pandas, wfdb and neurokit2 only, so ``tools/dataset_converters/make_demo_data.py`` loads
this file by path without importing mmjepa.
"""
import os
import os.path as osp
import time
from typing import Dict, List, Tuple

import numpy as np

#: Lead names as PTB-XL's headers write them.
PTBXL_HEADER_LEADS = ('I', 'II', 'III', 'AVR', 'AVL', 'AVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6')
FORMAT_VERSION = 1  # bump when the output changes, so make_demo_data.py regenerates old sets
DURATION = 10  # seconds, as every PTB-XL record
HIGH_RATE, LOW_RATE = 500, 100
ADC_GAIN = 1000.  # digital units per mV (PTB-XL's headers)

#: The PTB-XL statements the demo uses: code -> (description, diagnostic, form, rhythm, diagnostic_class,
#: diagnostic_subclass), with PTB-XL's values (None where its file leaves the cell empty).
STATEMENTS = {
    'NORM': ('normal ECG', 1., None, None, 'NORM', 'NORM'),
    'IMI': ('inferior myocardial infarction', 1., None, None, 'MI', 'IMI'),
    'LVH': ('left ventricular hypertrophy', 1., None, None, 'HYP', 'LVH'),
    'CLBBB': ('complete left bundle branch block', 1., None, None, 'CD', 'CLBBB'),
    'NDT': ('non-diagnostic T abnormalities', 1., 1., None, 'STTC', 'STTC'),
    'SR': ('sinus rhythm', None, None, 1., None, None),
    'STACH': ('sinus tachycardia', None, None, 1., None, None),
    'SBRAD': ('sinus bradycardia', None, None, 1., None, None),
    'AFIB': ('atrial fibrillation', None, None, 1., None, None),
}

# ECGSYN's default extrema (P, Q, R, S, T): angles (degrees), amplitudes, widths.
BASE_TI = (-70., -15., 0., 15., 100.)
BASE_AI = (1.2, -5., 30., -7.5, 0.75)
BASE_BI = (0.25, 0.1, 0.1, 0.1, 0.4)

#: Morphologies: code -> per-wave (P, Q, R, S, T) multipliers of (ai, bi). Deep Q waves for the inferior
#: infarction, tall R and deep S for hypertrophy, wide Q-R-S for the bundle branch block, inverted T.
MORPHOLOGIES = {
    'NORM': ((1, 1, 1, 1, 1), (1, 1, 1, 1, 1)),
    'IMI': ((1, 3.5, 0.8, 1, 1), (1, 1.6, 1, 1, 1)),
    'LVH': ((1, 1, 1.8, 2.2, 1), (1, 1, 1, 1, 1)),
    'CLBBB': ((1, 0.5, 1, 1, 1), (1, 2.2, 2.2, 2.2, 1.2)),
    'NDT': ((1, 1, 1, 1, -1), (1, 1, 1, 1, 1)),
}
ABNORMAL = ('IMI', 'LVH', 'CLBBB', 'NDT')
#: Rhythms: code -> (heart-rate range in bpm, heart-rate standard deviation range, P wave present).
RHYTHMS = {
    'SR': ((60., 90.), (1., 3.), True),
    'STACH': ((110., 150.), (1., 3.), True),
    'SBRAD': ((40., 55.), (1., 3.), True),
    'AFIB': ((80., 130.), (15., 25.), False),
}
RHYTHM_PROBS = (0.55, 0.15, 0.15, 0.15)


def record_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of record ``index`` (0-based) under ``seed``."""
    return np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, index]))


def draw_condition(rng: np.random.Generator) -> dict:
    """One record's statements and ECGSYN parameters."""
    if rng.random() < 0.4:
        morphs = ['NORM']
    else:
        morphs = [ABNORMAL[rng.integers(len(ABNORMAL))]]
        if rng.random() < 0.2:  # a second abnormality: multi-label superclasses, as in PTB-XL
            others = [m for m in ABNORMAL if m != morphs[0]]
            morphs.append(others[rng.integers(len(others))])
    rhythm = list(RHYTHMS)[rng.choice(len(RHYTHMS), p=RHYTHM_PROBS)]
    (hr_lo, hr_hi), (std_lo, std_hi), has_p = RHYTHMS[rhythm]
    ai, bi = np.array(BASE_AI), np.array(BASE_BI)
    for m in morphs:
        ai, bi = ai * np.array(MORPHOLOGIES[m][0]), bi * np.array(MORPHOLOGIES[m][1])
    if not has_p:
        ai[0] = 0.
    noisy = rng.random() < 0.1
    return dict(
        codes=morphs + [rhythm], heart_rate=float(rng.uniform(hr_lo, hr_hi)),
        heart_rate_std=float(rng.uniform(std_lo, std_hi)), ti=BASE_TI, ai=tuple(ai), bi=tuple(bi),
        noise=float(rng.uniform(0.1, 0.2) if noisy else rng.uniform(0.005, 0.05)), noisy=noisy,
        sim_seed=int(rng.integers(2**31 - 1)), age=int(rng.integers(18, 90)), sex=int(rng.integers(2)))


def simulate_record(condition: dict, sampling_rate: int = HIGH_RATE) -> np.ndarray:
    """The 12-lead signal [DURATION * sampling_rate, 12] in mV (neurokit2's lead order = PTB-XL's)."""
    import neurokit2 as nk
    frame = nk.ecg_simulate(duration=DURATION, sampling_rate=sampling_rate, method='multileads',
                            heart_rate=condition['heart_rate'], heart_rate_std=condition['heart_rate_std'],
                            noise=condition['noise'], random_state=condition['sim_seed'],
                            ti=condition['ti'], ai=condition['ai'], bi=condition['bi'])
    signal = np.asarray(frame, dtype=np.float64)
    if signal.shape != (DURATION * sampling_rate, 12):
        raise RuntimeError(f'neurokit2 returned a signal of shape {signal.shape}, expected '
                           f'{(DURATION * sampling_rate, 12)}')
    return np.clip(signal, -30., 30.)


def record_names(ecg_id: int) -> Tuple[str, str]:
    """(filename_lr, filename_hr) of ``ecg_id`` as PTB-XL names them (1000 records per folder)."""
    folder = f'{(ecg_id // 1000) * 1000:05d}'
    return f'records100/{folder}/{ecg_id:05d}_lr', f'records500/{folder}/{ecg_id:05d}_hr'


def write_wfdb(root: str, name: str, signal: np.ndarray, fs: int) -> None:
    """Write ``signal`` [T, 12] (mV) as the WFDB record ``<root>/<name>`` (16 bit, PTB-XL's gain)."""
    import wfdb
    write_dir, record = osp.split(osp.join(root, name))
    os.makedirs(write_dir, exist_ok=True)
    wfdb.wrsamp(record, fs=fs, units=['mV'] * 12, sig_name=list(PTBXL_HEADER_LEADS), p_signal=signal,
                fmt=['16'] * 12, adc_gain=[ADC_GAIN] * 12, baseline=[0] * 12, write_dir=write_dir)


def write_statements(root: str) -> None:
    import pandas as pd
    columns = ['description', 'diagnostic', 'form', 'rhythm', 'diagnostic_class', 'diagnostic_subclass']
    frame = pd.DataFrame([list(v) for v in STATEMENTS.values()], index=list(STATEMENTS), columns=columns)
    frame.to_csv(osp.join(root, 'scp_statements.csv'))


def _untracked(items, total=None, desc=''):
    return items


def write_ptbxl_demo(root: str, num_records: int = 400, seed: int = 0, track=None) -> Dict:
    """Write ``num_records`` synthetic records as a PTB-XL-layout database under ``root``.

    Record ``ecg_id = i + 1`` goes to fold ``i % 10 + 1`` (folds 1-8 train, 9 val, 10 test, as PTB-XL's
    ``strat_fold``). Returns a summary: ``num_records``, ``codes`` (records per statement), ``seconds`` and
    ``seconds_per_record`` (the simulation dominates: about 0.7 s of CPU per record; 400 records: 267 s).
    ``track(items, total, desc)``, e.g. :func:`mmjepa.utils.progress.track`, shows the progress.
    """
    import pandas as pd
    from scipy.signal import resample_poly
    if num_records < 1:
        raise ValueError(f'num_records must be >= 1, got {num_records}')
    start = time.time()
    os.makedirs(root, exist_ok=True)
    rows: List[dict] = []
    for i in (track or _untracked)(range(num_records), num_records, f'simulating {num_records} ECG records'):
        ecg_id = i + 1
        condition = draw_condition(record_rng(seed, i))
        high = simulate_record(condition, HIGH_RATE)
        low = resample_poly(high, LOW_RATE, HIGH_RATE, axis=0)
        filename_lr, filename_hr = record_names(ecg_id)
        write_wfdb(root, filename_hr, high, HIGH_RATE)
        write_wfdb(root, filename_lr, low, LOW_RATE)
        codes = {c: (100. if STATEMENTS[c][1] == 1. else 0.) for c in condition['codes']}
        rows.append(dict(
            ecg_id=ecg_id, patient_id=float(ecg_id), age=float(condition['age']), sex=condition['sex'],
            report=(f"synthetic: {', '.join(condition['codes'])}, {condition['heart_rate']:.0f} bpm "
                    f"(std {condition['heart_rate_std']:.1f}), noise {condition['noise']:.3f}"),
            scp_codes=repr(codes), static_noise=', alles' if condition['noisy'] else None,
            strat_fold=i % 10 + 1, filename_lr=filename_lr, filename_hr=filename_hr))
    pd.DataFrame(rows).set_index('ecg_id').to_csv(osp.join(root, 'ptbxl_database.csv'))
    write_statements(root)
    with open(osp.join(root, 'RECORDS'), 'w') as f:
        f.writelines(f'{r[key]}\n' for key in ('filename_lr', 'filename_hr') for r in rows)
    counts: Dict[str, int] = {}
    for row in rows:
        for code in eval_codes(row['scp_codes']):
            counts[code] = counts.get(code, 0) + 1
    seconds = time.time() - start
    return dict(num_records=num_records, codes=dict(sorted(counts.items())), seconds=seconds,
                seconds_per_record=seconds / num_records)


def eval_codes(scp_codes: str) -> dict:
    """PTB-XL's ``scp_codes`` cell (a dict literal) as a dict."""
    import ast
    return ast.literal_eval(scp_codes)
