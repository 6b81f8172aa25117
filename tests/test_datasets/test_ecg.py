# Copyright (c) mmjepa contributors. All rights reserved.
"""ECG data of ECG-JEPA: the PTB-XL-layout demo writer, PTBXLDataset (labels, folds, bad records),
WFDBPretrainDataset, the signal transforms and SignalDataPreprocessor."""
import hashlib
import os
import os.path as osp

import numpy as np
import pandas as pd
import pytest
import torch

pytest.importorskip('wfdb')
import wfdb  # noqa: E402

import mmjepa  # noqa: F401,E402
from mmjepa.datasets.ecg import (LEADS, BadSignalError, CenterSignalCrop, NormalizeSignal,  # noqa: E402
                                 PackSignalInputs, PTBXLDataset, RandomSignalCrop, StridedSignalCrops,
                                 WFDBPretrainDataset, read_wfdb_signal, resample_signal)
from mmjepa.datasets.ecg import demo  # noqa: E402
from mmjepa.datasets.ecg.transforms import PTBXL_MEAN, PTBXL_STD  # noqa: E402

SUPER = ('CD', 'HYP', 'MI', 'NORM', 'STTC')
ALL = tuple(sorted(demo.STATEMENTS))  # AFIB CLBBB IMI LVH NDT NORM SBRAD SR STACH
# ecg_id -> (scp_codes, strat_fold)
RECORDS = {
    1: ({'NORM': 100.0, 'SR': 0.0}, 1),
    2: ({'IMI': 50.0, 'NDT': 100.0, 'AFIB': 0.0}, 2),
    3: ({'SR': 0.0}, 9),  # no diagnostic statement: left out of the superdiagnostic task
    4: ({'CLBBB': 100.0, 'LVH': 15.0, 'STACH': 0.0}, 10),
    5: ({'IMI': 0.0}, 8),  # likelihood 0 still counts (as the official label aggregation)
    6: ({'NORM': 100.0, 'SBRAD': 0.0}, 9),
}


def signal_of(ecg_id: int, fs: int, length=None, leads=12) -> np.ndarray:
    """A recognisable [T, leads] signal: lead c of record e is e + c / 100 plus a slow sine (mV)."""
    length = length or 10 * fs
    t = np.arange(length) / fs
    return np.stack([ecg_id + c / 100 + 0.1 * np.sin(2 * np.pi * t) for c in range(leads)], axis=1)


def write_ptbxl(root, records=RECORDS, signals=None):
    """A PTB-XL-layout database of ``records`` (both rates); ``signals`` overrides {ecg_id: (name, fn)}."""
    os.makedirs(root, exist_ok=True)
    rows = []
    for ecg_id, (codes, fold) in records.items():
        lr, hr = demo.record_names(ecg_id)
        demo.write_wfdb(str(root), hr, signal_of(ecg_id, 500), 500)
        demo.write_wfdb(str(root), lr, signal_of(ecg_id, 100), 100)
        rows.append(dict(ecg_id=ecg_id, patient_id=float(ecg_id), scp_codes=repr(codes), strat_fold=fold,
                         filename_lr=lr, filename_hr=hr))
    pd.DataFrame(rows).set_index('ecg_id').to_csv(osp.join(root, 'ptbxl_database.csv'))
    demo.write_statements(str(root))
    return str(root)


@pytest.fixture(scope='module')
def ptbxl_root(tmp_path_factory):
    return write_ptbxl(tmp_path_factory.mktemp('ptbxl'))


def build(root, **kwargs):
    kwargs.setdefault('folds', range(1, 11))
    return PTBXLDataset(data_root=root, pipeline=[PackSignalInputs()], **kwargs)


def labels_by_id(dataset):
    return {dataset.get_data_info(i)['ecg_id']: dataset.get_data_info(i)['gt_label'] for i in range(len(dataset))}


# ---------------------------------------------------------------------------------------------------------- demo
def _digest(root):
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            with open(osp.join(dirpath, name), 'rb') as f:
                out[osp.relpath(osp.join(dirpath, name), root)] = hashlib.sha1(f.read()).hexdigest()
    return out


@pytest.fixture(scope='module')
def demo_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('demo') / 'ptbxl')
    summary = demo.write_ptbxl_demo(root, num_records=3, seed=0)
    assert summary['num_records'] == 3 and sum(summary['codes'].values()) >= 6  # a morphology and a rhythm each
    return root


def test_demo_layout_readable_by_wfdb(demo_root):
    table = pd.read_csv(osp.join(demo_root, 'ptbxl_database.csv'), index_col='ecg_id')
    assert list(table.index) == [1, 2, 3] and list(table.strat_fold) == [1, 2, 3]
    statements = pd.read_csv(osp.join(demo_root, 'scp_statements.csv'), index_col=0)
    assert set(statements.index) == set(demo.STATEMENTS)
    assert statements.loc['IMI', 'diagnostic_class'] == 'MI' and statements.loc['SR', 'rhythm'] == 1.
    for ecg_id, row in table.iterrows():
        codes = demo.eval_codes(row.scp_codes)
        assert codes and set(codes) <= set(demo.STATEMENTS)
        for column, fs in (('filename_hr', 500), ('filename_lr', 100)):
            assert row[column].endswith(f'{ecg_id:05d}_{"hr" if fs == 500 else "lr"}')
            signal, fields = wfdb.rdsamp(osp.join(demo_root, row[column]))
            assert signal.shape == (10 * fs, 12) and fields['fs'] == fs
            assert fields['sig_name'] == list(LEADS) and fields['units'] == ['mV'] * 12
            assert np.isfinite(signal).all() and 0.1 < signal.std() < 2
    with open(osp.join(demo_root, 'RECORDS')) as f:
        assert len(f.read().split()) == 6
    hr = wfdb.rdsamp(osp.join(demo_root, table.filename_hr[1]))[0]
    lr = wfdb.rdsamp(osp.join(demo_root, table.filename_lr[1]))[0]
    assert np.corrcoef(hr[::5, 7], lr[:, 7])[0, 1] > 0.95  # the 100 Hz record is the 500 Hz one downsampled


def test_demo_deterministic_under_seed(demo_root, tmp_path):
    again = str(tmp_path / 'again')
    demo.write_ptbxl_demo(again, num_records=1, seed=0)
    first = {k: v for k, v in _digest(demo_root).items() if '00001' in k}
    assert first and {k: v for k, v in _digest(again).items() if '00001' in k} == first
    conditions = [demo.draw_condition(demo.record_rng(s, 0)) for s in (0, 0, 1)]
    assert conditions[0] == conditions[1] and conditions[0] != conditions[2]


def test_demo_conditions_cover_the_statements():
    conds = [demo.draw_condition(demo.record_rng(0, i)) for i in range(400)]
    codes = [c for cond in conds for c in cond['codes']]
    assert set(codes) == set(demo.STATEMENTS)
    for cond in conds:
        rhythm = cond['codes'][-1]
        (lo, hi), _, has_p = demo.RHYTHMS[rhythm]
        assert lo <= cond['heart_rate'] <= hi and (cond['ai'][0] != 0) == has_p
    assert sum(len(c['codes']) == 3 for c in conds) > 20  # two superclasses on some records


def test_demo_is_a_ptbxl_dataset(demo_root):
    ds = PTBXLDataset(data_root=demo_root, task='superdiagnostic', folds=range(1, 11),
                      pipeline=[NormalizeSignal(), RandomSignalCrop(1250), PackSignalInputs()])
    assert ds.metainfo['classes'] == SUPER and len(ds) == 3
    out = ds[0]
    assert out['inputs'].shape == (12, 1250) and out['inputs'].dtype == torch.float32


def test_make_demo_data_writes_ptbxl(tmp_path):
    import subprocess
    import sys
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    script = osp.join(root, 'tools', 'dataset_converters', 'make_demo_data.py')
    args = [sys.executable, script, '--out', str(tmp_path), '--sets', 'ptbxl', '--ptbxl-records', '1',
            '--train-per-class', '1', '--val-per-class', '1', '--image-size', '32']
    env = dict(os.environ, PYTHONPATH='')  # the tool loads the writers by path, without mmjepa
    out = subprocess.run(args, capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert 'Wrote 1 PTB-XL-layout ECG records' in out.stdout
    assert osp.isfile(tmp_path / 'ptbxl' / 'settings.json')
    assert wfdb.rdsamp(str(tmp_path / 'ptbxl' / 'records500' / '00000' / '00001_hr'))[0].shape == (5000, 12)
    again = subprocess.run(args, capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert 'ptbxl already holds the demo set' in again.stdout


# ------------------------------------------------------------------------------------------------------- PTB-XL
def test_superdiagnostic_labels(ptbxl_root):
    ds = build(ptbxl_root, task='superdiagnostic')
    assert ds.metainfo['classes'] == SUPER
    assert labels_by_id(ds) == {1: [3], 2: [2, 4], 4: [0, 1], 5: [2], 6: [3]}  # record 3 has no superclass
    info = ds.get_data_info(1)
    np.testing.assert_array_equal(info['gt_score'], [0, 0, 1, 0, 1])
    assert ds.get_cat_ids(1) == [2, 4]


def test_all_statements_labels(ptbxl_root):
    ds = build(ptbxl_root, task='all')
    assert ds.metainfo['classes'] == ALL and len(ALL) == 9
    idx = {c: i for i, c in enumerate(ALL)}
    expected = {e: sorted(idx[c] for c in codes) for e, (codes, _) in RECORDS.items()}
    assert labels_by_id(ds) == expected
    out = ds[1]
    sample = out['data_samples']
    assert sample.gt_score.tolist() == [1. if c in ('AFIB', 'IMI', 'NDT') else 0. for c in ALL]
    assert sample.gt_label.tolist() == expected[2] and sample.ecg_id == 2 and sample.strat_fold == 2


def test_single_label(ptbxl_root):
    ds = build(ptbxl_root, task='superdiagnostic', single_label=True)
    assert labels_by_id(ds) == {1: [3], 5: [2], 6: [3]}


def test_standard_folds(ptbxl_root):
    ids = {name: sorted(labels_by_id(build(ptbxl_root, task='all', folds=folds)))
           for name, folds in (('train', range(1, 9)), ('val', [9]), ('test', [10]))}
    assert ids == {'train': [1, 2, 5], 'val': [3, 6], 'test': [4]}
    with pytest.raises(ValueError, match='folds'):
        build(ptbxl_root, folds=[0, 11])


@pytest.mark.parametrize('fs', [500, 100])
def test_signal_is_12_by_t_float_in_lead_order(ptbxl_root, fs):
    ds = build(ptbxl_root, task='all', sampling_rate=fs)
    out = ds[3]  # ecg_id 4
    x = out['inputs']
    assert x.dtype == torch.float32 and x.shape == (12, 10 * fs)
    np.testing.assert_allclose(x[:, 0].numpy(), 4 + np.arange(12) / 100, atol=2e-3)  # lead c = 4 + c / 100
    assert out['data_samples'].signal_path.endswith('_hr' if fs == 500 else '_lr')


def test_leads_matched_by_name(tmp_path):
    root = write_ptbxl(tmp_path, {1: ({'NORM': 100.}, 1)})
    lr, hr = demo.record_names(1)
    names = ['V6', 'I', 'aVR', 'II', 'III', 'avl', 'AVF', 'V1', 'V2', 'V3', 'V4', 'V5']
    perm = [LEADS.index(n.upper()) for n in names]
    x = signal_of(1, 500)
    write_dir, rec = osp.split(osp.join(root, hr))
    wfdb.wrsamp(rec, fs=500, units=['mV'] * 12, sig_name=names, p_signal=x[:, perm], fmt=['16'] * 12,
                adc_gain=[1000.] * 12, baseline=[0] * 12, write_dir=write_dir)
    signal, _ = read_wfdb_signal(osp.join(root, hr))
    np.testing.assert_allclose(signal, x.T, atol=1e-3)


def _rewrite(root, ecg_id, signal, fs=500, names=LEADS, rate_dir=None):
    lr, hr = demo.record_names(ecg_id)
    write_dir, rec = osp.split(osp.join(root, hr))
    wfdb.wrsamp(rec, fs=fs, units=['mV'] * signal.shape[1], sig_name=list(names), p_signal=signal,
                fmt=['16'] * signal.shape[1], adc_gain=[1000.] * signal.shape[1], baseline=[0] * signal.shape[1],
                write_dir=write_dir)
    return osp.join(root, hr)


def _nan_signal():
    x = signal_of(2, 500)
    x[100:120, 4] = np.nan
    return x


@pytest.mark.parametrize('case, match', [
    ('leads', r'expected the 12 leads .* found 11'),
    ('duplicate', r'found 12: .*V5.*V5'),
    ('nan', r"20 NaN samples in leads \['AVL'\]"),
    ('short', r'4000 samples at 500 Hz \(8 s\), shorter than the 5000 samples'),
    ('rate', r'states 250 Hz, the dataset expects 500 Hz'),
    ('truncated', r'wfdb cannot read it'),
])
def test_bad_records_raise_naming_the_record(tmp_path, case, match):
    root = write_ptbxl(tmp_path, {1: ({'NORM': 100.}, 1), 2: ({'NORM': 100.}, 1)})
    if case == 'leads':
        path = _rewrite(root, 2, signal_of(2, 500, leads=11), names=LEADS[:11])
    elif case == 'duplicate':  # wfdb refuses to write repeated names: edit the header
        path = osp.join(root, demo.record_names(2)[1])
        with open(path + '.hea') as f:
            header = f.read()
        with open(path + '.hea', 'w') as f:
            f.write(header.rstrip('\n')[:-2] + 'V5\n')
    elif case == 'nan':
        path = _rewrite(root, 2, _nan_signal())
    elif case == 'short':
        path = _rewrite(root, 2, signal_of(2, 500, length=4000))
    elif case == 'rate':
        path = _rewrite(root, 2, signal_of(2, 250), fs=250)
    else:
        path = osp.join(root, demo.record_names(2)[1])
        with open(path + '.dat', 'rb') as f:
            data = f.read()
        with open(path + '.dat', 'wb') as f:
            f.write(data[:len(data) // 2 + 7])
    ds = build(root, task='superdiagnostic')
    assert ds[0]['inputs'].shape == (12, 5000)  # the good record still loads
    with pytest.raises(BadSignalError, match=match) as info:
        ds[1]
    assert path in str(info.value) and info.value.record == path


def test_missing_record_raises_naming_it(tmp_path):
    root = write_ptbxl(tmp_path, {1: ({'NORM': 100.}, 1), 2: ({'NORM': 100.}, 1)})
    hr = osp.join(root, demo.record_names(2)[1])
    ds = build(root)
    os.remove(hr + '.dat')
    with pytest.raises(FileNotFoundError, match='00002_hr.dat'):
        ds[1]
    os.remove(hr + '.hea')
    with pytest.raises(FileNotFoundError, match=f"{hr}.*is listed in the dataset but its header"):
        ds[1]


def test_nan_interpolation_option(tmp_path):
    root = write_ptbxl(tmp_path, {1: ({'NORM': 100.}, 1)})
    _rewrite(root, 1, _nan_signal())
    x = build(root, nan_policy='interpolate')[0]['inputs']
    assert torch.isfinite(x).all()
    expected = signal_of(2, 500)[:, 4]
    np.testing.assert_allclose(x[4, 100:120].numpy(), expected[100:120], atol=2e-3)  # a smooth sine: linear fits


def test_crop_longer_than_record_raises_naming_it(ptbxl_root):
    ds = PTBXLDataset(data_root=ptbxl_root, task='all', sampling_rate=100, folds=[1],
                      pipeline=[RandomSignalCrop(1250), PackSignalInputs()])
    with pytest.raises(BadSignalError, match=r"00001_lr.*1000 samples at 100 Hz, shorter than the 1250-sample crop"):
        ds[0]


def test_database_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='scp_statements.csv'):
        PTBXLDataset(data_root=str(tmp_path))
    root = write_ptbxl(tmp_path / 'a', {1: ({'NORM': 100., 'XYZ': 0.}, 1)})
    with pytest.raises(ValueError, match=r"ecg_id=1 .* statements \['XYZ'\]"):
        build(root)
    table = pd.read_csv(osp.join(root, 'ptbxl_database.csv'))
    table.loc[0, 'scp_codes'] = 'NORM'
    table.to_csv(osp.join(root, 'ptbxl_database.csv'), index=False)
    with pytest.raises(ValueError, match="ecg_id=1 .* is not a dict literal"):
        build(root)
    with pytest.raises(ValueError, match='task'):
        build(root, task='rhythm')
    with pytest.raises(ValueError, match='sampling_rate'):
        build(root, sampling_rate=250)


def test_mmpretrain_multilabel_head_and_metric_accept_packed_samples(ptbxl_root):
    from mmengine.dataset import default_collate
    from mmpretrain.evaluation import MultiLabelMetric
    from mmpretrain.models.heads import MultiLabelLinearClsHead
    ds = build(ptbxl_root, task='superdiagnostic')
    batch = default_collate([ds[i] for i in range(len(ds))])
    assert batch['inputs'].shape == (5, 12, 5000)
    head = MultiLabelLinearClsHead(num_classes=5, in_channels=4)
    feats = torch.randn(5, 4)
    loss = head.loss((feats, ), batch['data_samples'])['loss']
    target = torch.stack([torch.as_tensor(ds.get_data_info(i)['gt_score']) for i in range(len(ds))])
    # mmpretrain's multi-label loss sums over classes and averages over samples (avg_factor = batch size): it is
    # num_classes times the official F.binary_cross_entropy_with_logits (a mean over samples and classes)
    official = torch.nn.functional.binary_cross_entropy_with_logits(head.fc(feats), target)
    torch.testing.assert_close(loss, official * 5)
    preds = head.predict((feats, ), batch['data_samples'])
    metric = MultiLabelMetric()
    metric.process(None, [p.to_dict() for p in preds])
    assert torch.equal(metric.results[0]['gt_score'], torch.tensor([0., 0., 0., 1., 0.]))


# --------------------------------------------------------------------------------------------------- pretraining
@pytest.fixture
def two_sources(tmp_path):
    a = write_ptbxl(tmp_path / 'a', {e: ({'NORM': 100.}, f) for e, f in ((1, 1), (2, 8), (3, 9))})
    b = tmp_path / 'b'
    (b / 'g1').mkdir(parents=True)
    demo.write_wfdb(str(b), 'g1/r1', signal_of(7, 250, length=3000), 250)  # 12 s at 250 Hz
    demo.write_wfdb(str(b), 'g1/r2', signal_of(8, 250, length=2000), 250)  # 8 s: shorter than the 10 s crop
    (b / 'RECORDS').write_text('g1/\n')  # a folder with its own RECORDS, as PhysioNet databases list them
    (b / 'g1' / 'RECORDS').write_text('r1\nr2\n')
    return [dict(data_root=a, records='ptbxl_database.csv', folds=range(1, 9), sampling_rate=500, name='a'),
            dict(data_root=str(b), name='b', mean=[0.] * 12, std=[2.] * 12, repeat=1.5)]


def test_pretrain_dataset_mixes_sources_and_resamples(two_sources):
    ds = WFDBPretrainDataset(sources=two_sources,
                             pipeline=[NormalizeSignal(clip=None), RandomSignalCrop(5000), PackSignalInputs()])
    assert len(ds) == 2 + 3 and ds.source_sizes() == [2, 3]  # folds 1-8 of a; b listed round(1.5 * 2) times
    ends = ['00001_hr', '00002_hr', 'b/g1/r1', 'b/g1/r2', 'b/g1/r1']
    assert all(ds.get_data_info(i)['signal_path'].endswith(end) for i, end in enumerate(ends))
    first = ds[0]
    assert first['inputs'].shape == (12, 5000) and first['data_samples'].source == 'a'
    np.testing.assert_allclose(first['inputs'].mean(1).numpy(), 0, atol=1e-3)  # no statistics: per record
    out = ds[2]  # 250 -> 500 Hz: 6000 samples, one 5000-sample crop, normalised with b's statistics
    assert out['inputs'].shape == (12, 5000) and out['data_samples'].sampling_rate == 500.
    np.testing.assert_allclose(out['inputs'][:, 2500].numpy(), (7 + np.arange(12) / 100) / 2, atol=0.06)
    with pytest.raises(BadSignalError, match=r'g1/r2.*4000 samples at 500 Hz \(8 s\), shorter than the 5000'):
        ds[3]


def test_pretrain_dataset_skip_short_and_errors(two_sources, tmp_path):
    ds = WFDBPretrainDataset(sources=two_sources, skip_short=True, pipeline=[PackSignalInputs()])
    assert ds.source_sizes() == [2, 2] and all(not ds.get_data_info(i)['signal_path'].endswith('r2')
                                               for i in range(len(ds)))
    with pytest.raises(ValueError, match='unknown'):
        WFDBPretrainDataset(sources=[dict(data_root=str(tmp_path), recrods='RECORDS')])
    with pytest.raises(FileNotFoundError, match='RECORDS'):
        WFDBPretrainDataset(sources=[dict(data_root=str(tmp_path / 'nowhere'))])
    with pytest.raises(ValueError, match='mean needs 12 values'):
        WFDBPretrainDataset(sources=[dict(two_sources[1], mean=[0.] * 3, std=[1.] * 3)])
    listed = WFDBPretrainDataset(sources=[dict(data_root=two_sources[1]['data_root'], records=['g1/r1'])],
                                 pipeline=[PackSignalInputs()], resample_method='fft')
    assert listed[0]['inputs'].shape == (12, 6000)  # official FFT resampling: int(3000 * 2) samples


def test_resample_poly_and_fft():
    t = np.arange(2500) / 250
    x = np.stack([np.sin(2 * np.pi * 3 * t)] * 12).astype(np.float32)
    for method in ('poly', 'fft'):
        y = resample_signal(x, 250, 500, method)
        assert y.shape == (12, 5000) and y.dtype == np.float32
        t2 = np.arange(5000) / 500
        np.testing.assert_allclose(y[0, 200:-200], np.sin(2 * np.pi * 3 * t2)[200:-200], atol=0.02)
    assert resample_signal(x, 400, 500).shape == (12, 3125)  # CODE-15's 400 Hz: up 5, down 4


# ---------------------------------------------------------------------------------------------------- transforms
def _results(length=5000, leads=12, **extra):
    signal = np.arange(leads * length, dtype=np.float32).reshape(leads, length)
    return dict(signal=signal, signal_path='rec/001', sampling_rate=500, **extra)


def test_random_crop():
    crop = RandomSignalCrop(1250)
    starts = set()
    for seed in range(30):
        np.random.seed(seed)
        out = crop(_results())
        start = out['crop_start']
        assert 0 <= start <= 3750 and out['signal'].shape == (12, 1250)
        np.testing.assert_array_equal(out['signal'], _results()['signal'][:, start:start + 1250])
        starts.add(start)
    assert len(starts) > 20
    np.random.seed(3)
    a = crop(_results())['crop_start']
    np.random.seed(3)
    assert crop(_results())['crop_start'] == a
    assert RandomSignalCrop(5000)(_results())['crop_start'] == 0
    with pytest.raises(BadSignalError, match=r"'rec/001'.*4999 samples at 500 Hz, shorter than the 5000-sample"):
        RandomSignalCrop(5000)(_results(4999))
    with pytest.raises(ValueError, match='positive integer'):
        RandomSignalCrop(0)


def test_center_and_strided_crops():
    out = CenterSignalCrop(1250)(_results(5001))
    assert out['crop_start'] == 1875 and out['signal'].shape == (12, 1250)
    np.testing.assert_array_equal(out['signal'], _results(5001)['signal'][:, 1875:3125])
    strided = StridedSignalCrops(1250, 625)(_results())
    assert strided['num_crops'] == 7 and strided['signal'].shape == (7, 12, 1250)  # the official 7 crops
    for k in range(7):
        np.testing.assert_array_equal(strided['signal'][k], _results()['signal'][:, 625 * k:625 * k + 1250])
    assert StridedSignalCrops(1250)(_results())['num_crops'] == 4
    with pytest.raises(BadSignalError, match='rec/001'):
        StridedSignalCrops(1250)(_results(1000))
    packed = PackSignalInputs()(strided)
    assert packed['inputs'].shape == (7, 12, 1250) and packed['data_samples'].num_crops == 7


def test_normalize_signal():
    rng = np.random.default_rng(0)
    signal = (rng.normal(size=(12, 5000)) * 0.2 + 0.1).astype(np.float32)
    signal[0, 0] = 50.
    out = NormalizeSignal(preset='ptbxl')(dict(signal=signal.copy()))['signal']
    expected = np.clip((signal - np.array(PTBXL_MEAN)[:, None]) / (np.array(PTBXL_STD)[:, None] + 1e-6), -5, 5)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    assert out.dtype == np.float32 and out[0, 0] == 5.
    record = NormalizeSignal(clip=None)(dict(signal=signal.copy()))['signal']
    np.testing.assert_allclose(record.mean(1), 0, atol=1e-4)
    np.testing.assert_allclose(record.std(1), 1, atol=1e-4)
    per_source = NormalizeSignal(clip=None)(dict(signal=signal.copy(), lead_mean=[0.1] * 12, lead_std=[0.5] * 12))
    np.testing.assert_allclose(per_source['signal'], (signal - 0.1) / (0.5 + 1e-6), rtol=1e-5)
    with pytest.raises(ValueError, match='preset'):
        NormalizeSignal(preset='mimic')
    with pytest.raises(ValueError, match='both mean and std'):
        NormalizeSignal(mean=[0.] * 12)
    with pytest.raises(ValueError, match='6 per-lead statistics for a 12-lead'):
        NormalizeSignal(mean=[0.] * 6, std=[1.] * 6)(dict(signal=signal))


# --------------------------------------------------------------------------------------------- data preprocessor
def test_signal_data_preprocessor():
    from mmengine.dataset import default_collate
    from mmpretrain.registry import MODELS
    pre = MODELS.build(dict(type='SignalDataPreprocessor'))
    samples = [PackSignalInputs()(dict(signal=np.full((12, 100), i, np.float32), gt_label=[i], gt_score=[0., 1.]))
               for i in range(3)]
    for data in (default_collate(samples), dict(inputs=[s['inputs'] for s in samples],
                                                 data_samples=[s['data_samples'] for s in samples])):
        out = pre(data, training=True)
        assert out['inputs'].shape == (3, 12, 100) and out['inputs'].dtype == torch.float32
        assert out['inputs'][2, 0, 0] == 2 and len(out['data_samples']) == 3
    crops = default_collate([dict(inputs=torch.zeros(7, 12, 50))] * 2)
    assert pre(crops)['inputs'].shape == (2, 7, 12, 50)
    with pytest.raises(ValueError, match='differ in shape'):
        pre(dict(inputs=[torch.zeros(12, 10), torch.zeros(12, 11)]))
    with pytest.raises(ValueError, match='expected 12 leads'):
        pre(dict(inputs=torch.zeros(2, 8, 10)))
    with pytest.raises(ValueError, match='batch augments'):
        MODELS.build(dict(type='SignalDataPreprocessor', batch_augments=dict(augments=[dict(type='Mixup')])))


# ------------------------------------------------------------------------------------------------------- configs
CONFIGS = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs', '_base_', 'datasets')


def _with_root(dataset_cfg, root):
    cfg = dataset_cfg.copy()
    if 'sources' in cfg:
        cfg['sources'] = [dict(s, data_root=root) for s in cfg['sources']]
    else:
        cfg['data_root'] = root
    return cfg


def test_ptbxl_configs_build_on_the_demo(demo_root):
    from mmengine.config import Config
    from mmengine.dataset import default_collate
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS, METRICS, MODELS
    init_default_scope('mmpretrain')
    for name, task, num_classes, root in (('ptbxl_superdiagnostic', 'superdiagnostic', 5, 'data/ptbxl/'),
                                          ('ptbxl_all', 'all', 71, 'data/ptbxl/'),
                                          ('ptbxl_demo', 'superdiagnostic', 5, 'data/demo/ptbxl/')):
        cfg = Config.fromfile(osp.join(CONFIGS, f'{name}.py'))
        assert cfg.num_classes == num_classes and cfg.data_preprocessor.num_classes == num_classes
        folds = [cfg[f'{s}_dataloader'].dataset.folds for s in ('train', 'val', 'test')]
        assert folds == [list(range(1, 9)), [9], [10]]
        for split in ('train', 'val', 'test'):
            assert cfg[f'{split}_dataloader'].dataset.task == task
            assert cfg[f'{split}_dataloader'].dataset.data_root == root
        train = DATASETS.build(_with_root(cfg.train_dataloader.dataset, demo_root) | dict(folds=[1, 2]))
        val = DATASETS.build(_with_root(cfg.val_dataloader.dataset, demo_root) | dict(folds=[3]))
        assert train[0]['inputs'].shape == (12, 1250) and val[0]['inputs'].shape == (7, 12, 1250)
        pre = MODELS.build(cfg.data_preprocessor)
        assert pre(default_collate([train[0], train[1]]))['inputs'].shape == (2, 12, 1250)
        assert METRICS.build(cfg.val_evaluator).prefix == 'multi-label'


def test_ecg_pretrain_demo_config(demo_root):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS
    from mmjepa.datasets import sample_seed
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(CONFIGS, 'ecg_pretrain_demo.py'))
    assert cfg.train_dataloader.sampler.type == 'ResumableSampler'
    wrapped = cfg.train_dataloader.dataset
    wrapped.dataset = _with_root(wrapped.dataset, demo_root)
    ds = DATASETS.build(wrapped)
    assert len(ds) == 3  # folds 1-3 of the 3-record demo are all within 1-8
    key = (1, sample_seed(0, 0, 1))
    a, b = ds[key], ds[key]
    assert a['inputs'].shape == (12, 5000) and torch.equal(a['inputs'], b['inputs'])
    assert abs(float(a['inputs'].mean())) < 0.05  # standardised per record


def test_baseline_wander_removal_source_option(two_sources):
    """remove_baseline_wander: a 0.5 Hz 4th-order Butterworth high-pass, forwards and backwards, at the record's
    own rate before resampling (the official preprocessing of CODE-15 and St-Petersburg): a slow drift goes, a
    10 Hz component stays."""
    from scipy import signal as sps
    from mmjepa.datasets.ecg.signal_io import remove_baseline_wander
    t = np.arange(5000) / 500.
    drift, fast = 2 * np.sin(2 * np.pi * 0.05 * t), np.sin(2 * np.pi * 10 * t)
    x = np.tile(drift + fast, (12, 1)).astype(np.float32)
    out = remove_baseline_wander(x, 500.)
    b, a = sps.butter(4, 0.5, btype='highpass', fs=500.)
    np.testing.assert_allclose(out, sps.filtfilt(b, a, x, axis=-1), atol=1e-5)
    assert np.abs(out[:, 500:-500] - fast[500:-500]).max() < 0.2  # the drift of amplitude 2 is gone
    sources = [dict(two_sources[1], remove_baseline_wander=True), two_sources[1]]
    ds = WFDBPretrainDataset(sources=sources, min_length=5000, pipeline=[PackSignalInputs()])
    filtered, raw = ds[0]['inputs'], ds[3]['inputs']  # the same record, with and without the option
    assert abs(float(raw.mean())) > 1 and abs(float(filtered.mean())) < 0.1  # the constant offset is removed


def test_normalize_signal_float16_as_the_official_dumps():
    """dtype='float16': signal and statistics rounded to float16 and normalised and clipped in it (the official
    pretraining's float16 dumps); float32 out. The default stays float32."""
    rng = np.random.default_rng(0)
    x = rng.normal(0.1, 0.3, (12, 100)).astype(np.float32)
    mean, std = [0.023] * 12, [0.155] * 12
    out = NormalizeSignal(mean=mean, std=std, eps=0., dtype='float16').transform(dict(signal=x))['signal']
    h = x.astype(np.float16)
    expected = np.clip((h - np.float16(0.023)) / np.float16(0.155), -5, 5).astype(np.float32)
    assert out.dtype == np.float32 and np.array_equal(out, expected)
    full = NormalizeSignal(mean=mean, std=std, eps=0.).transform(dict(signal=x))['signal']
    assert not np.array_equal(full, out) and np.abs(full - out).max() < 0.02
    with pytest.raises(ValueError, match='dtype'):
        NormalizeSignal(dtype='bfloat16')
