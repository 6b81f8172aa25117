# Copyright (c) mmjepa contributors. All rights reserved.
"""Leaderboard rows from checkpoint provenance: the config's benchmark_meta overrides it, a field known from
neither is 'unknown' with a warning (never a silent I-JEPA), and rows are keyed by the checkpoint hash."""
import importlib.util
import json
import os.path as osp
import warnings

import pytest
import torch

from mmjepa.models.algorithms import DMTJEPA, ECIJEPA, IJEPA
from mmjepa.utils.provenance import (algorithm_name, arch_name, dataset_name, read_provenance,
                                     resolve_benchmark_meta)

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
DMT_RECORD = dict(algorithm='DMT-JEPA', arch='ViT-T/8', epochs=4, max_epochs=16, data='demo', config='dmt.py',
                  checkpoint='work_dirs/dmt/epoch_4.pth', sha256='abcd1234')


@pytest.fixture(scope='module')
def leaderboard():
    spec = importlib.util.spec_from_file_location('mmjepa_leaderboard_tool',
                                                  osp.join(REPO, 'tools', 'analysis_tools', 'leaderboard.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_run(path, benchmark_meta, provenance, top1=50.0):
    """A tools/test.py result file."""
    path.mkdir(parents=True)
    result = dict(benchmark_meta=benchmark_meta, metrics={'accuracy/top1': top1})
    if provenance is not None:
        result['pretrain_provenance'] = provenance
    (path / 'test_metrics.json').write_text(json.dumps(result))
    return str(path)


def measured(leaderboard, *dirs):
    return [r for r in leaderboard.main([*dirs, '--no-reported']) if r['source'] == 'measured']


def test_row_comes_from_the_checkpoint(leaderboard, tmp_path):
    run = write_run(tmp_path / 'a', dict(task='linear', dataset='demo'), DMT_RECORD)
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # nothing to warn about
        (row, ) = measured(leaderboard, run)
    assert {k: row[k] for k in ('algorithm', 'arch', 'pretrain_epochs', 'pretrain_data', 'checkpoint')} == dict(
        algorithm='DMT-JEPA', arch='ViT-T/8', pretrain_epochs='4 of 16', pretrain_data='demo', checkpoint='abcd1234')
    assert row['linear'] == 50.0


def test_explicit_override_wins(leaderboard, tmp_path):
    run = write_run(tmp_path / 'a', dict(task='linear', dataset='demo', algorithm='EC-IJEPA', pretrain_epochs=600),
                    DMT_RECORD)
    with pytest.warns(UserWarning, match="benchmark_meta.algorithm='EC-IJEPA' overrides the checkpoint's 'DMT-JEPA'"):
        (row, ) = measured(leaderboard, run)
    assert (row['algorithm'], row['pretrain_epochs'], row['arch'], row['checkpoint']) == \
        ('EC-IJEPA', '600', 'ViT-T/8', 'abcd1234')


def test_unknown_is_said_and_warned(leaderboard, tmp_path):
    """A run with no provenance (a result file from before it was recorded), and one whose pretraining
    checkpoint had none: 'unknown' fields and a warning naming what to set, never the old I-JEPA default."""
    old = write_run(tmp_path / 'old', dict(task='linear', dataset='demo'), None)
    bare = write_run(tmp_path / 'bare', dict(task='finetune', dataset='demo'),
                     dict(checkpoint='foreign.pth', sha256='deadbeef'))
    with pytest.warns(UserWarning) as caught:
        rows = measured(leaderboard, old, bare)
    text = ' '.join(str(w.message) for w in caught)
    assert "algorithm, arch, pretrain_epochs, pretrain_data are 'unknown'" in text
    assert "foreign.pth has no meta['provenance']" in text and 'benchmark_meta.algorithm=' in text
    by_ckpt = {r['checkpoint']: r for r in rows}
    assert set(by_ckpt) == {'unknown', 'deadbeef'}
    for row in rows:
        assert (row['algorithm'], row['arch'], row['pretrain_epochs'], row['pretrain_data']) == ('unknown',) * 4
    assert by_ckpt['unknown']['linear'] == 50.0 and by_ckpt['deadbeef']['finetune'] == 50.0


def test_rows_are_keyed_by_checkpoint(leaderboard, tmp_path):
    """Two checkpoints of one recipe are two rows; two tasks of one checkpoint are one."""
    other = dict(DMT_RECORD, sha256='0123abcd')
    rows = measured(leaderboard, write_run(tmp_path / 'a', dict(task='linear', dataset='demo'), DMT_RECORD, 40.),
                    write_run(tmp_path / 'b', dict(task='finetune', dataset='demo'), DMT_RECORD, 60.),
                    write_run(tmp_path / 'c', dict(task='linear', dataset='demo'), other, 45.))
    assert {(r['checkpoint'], r.get('linear'), r.get('finetune')) for r in rows} == {
        ('abcd1234', 40., 60.), ('0123abcd', 45., None)}


def test_names():
    assert [algorithm_name(cls.__new__(cls)) for cls in (IJEPA, DMTJEPA, ECIJEPA)] == \
        ['I-JEPA', 'DMT-JEPA', 'EC-IJEPA']

    class MyVariant(DMTJEPA):  # a subclass that does not name itself is not tabled as its parent
        pass
    assert algorithm_name(MyVariant.__new__(MyVariant)) == 'MyVariant'
    assert [arch_name(192, 12, 8), arch_name(1280, 32, 14), arch_name(1408, 40, 16), arch_name(32, 4, 8)] == \
        ['ViT-T/8', 'ViT-H/14', 'ViT-g/16', 'ViT-D32xL4/8']
    wrapped = dict(type='SeededDataset', dataset=dict(type='CustomDataset', data_root='data/demo/imagenet/'))
    assert [dataset_name(wrapped), dataset_name(dict(type='ImageNet', data_root='/nfs/in1k')),
            dataset_name(dict(type='ImageNet21k')), dataset_name(dict(type='CustomDataset', data_root='/x/shapes/'))] \
        == ['demo', 'ImageNet-1k', 'ImageNet-22k', 'shapes']


def test_read_provenance(tmp_path):
    """The record of a file: its meta['provenance'] plus path and SHA-256 prefix; weights-only loading."""
    import hashlib
    path = str(tmp_path / 'ckpt.pth')
    provenance = {k: v for k, v in DMT_RECORD.items() if k not in ('checkpoint', 'sha256')}
    torch.save(dict(meta=dict(epoch=4, provenance=provenance), state_dict={'w': torch.zeros(3)}), path)
    with open(path, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()[:8]
    assert read_provenance(path) == dict(provenance, checkpoint=path, sha256=sha)
    assert read_provenance(None) == {}
    assert read_provenance('https://example.org/x.pth') == dict(checkpoint='https://example.org/x.pth', sha256=None)
    assert resolve_benchmark_meta(dict(task='knn'), read_provenance(path))['pretrain_epochs'] == '4 of 16'
