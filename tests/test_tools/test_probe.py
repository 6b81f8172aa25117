# Copyright (c) mmjepa contributors. All rights reserved.
"""Tests of tools/analysis_tools/probe.py: the k-NN and linear-probe metrics, and one CLI run."""
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

from mmjepa.datasets.demo import CLASSES, write_classification_set

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
SCRIPT = osp.join(REPO, 'tools', 'analysis_tools', 'probe.py')

TINY_CONFIG = """\
custom_imports = dict(imports=['mmjepa'], allow_failed_imports=False)
model = dict(
    type='IJEPA',
    backbone=dict(type='JEPAViT', arch=dict(embed_dims=48, num_layers=2, num_heads=3, feedforward_channels=96),
                  img_size=32, patch_size=4),
    predictor=dict(type='JEPAPredictor', depth=1),
    mask_sampler=dict(type='MultiBlockMaskSampler', min_keep=4),
    target_generator=dict(type='EMATargetGenerator', total_steps=100),
    data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], to_rgb=True))
"""


@pytest.fixture(scope='module')
def probe():
    spec = importlib.util.spec_from_file_location('mmjepa_probe_tool', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_separable_features(probe):
    gen = torch.Generator().manual_seed(0)
    centers = torch.randn(8, 32, generator=gen) * 3
    y_train, y_val = torch.arange(8).repeat_interleave(30), torch.arange(8).repeat_interleave(10)
    x_train = centers[y_train] + 0.3 * torch.randn(len(y_train), 32, generator=gen)
    x_val = centers[y_val] + 0.3 * torch.randn(len(y_val), 32, generator=gen)
    assert probe.knn_top1(x_train, y_train, x_val, y_val, k=20) == 100.
    assert probe.linear_probe_top1(x_train, y_train, x_val, y_val) == 100.
    # the k-NN is on cosine similarity: scaling a feature does not change the result
    assert probe.knn_top1(x_train * 5, y_train, x_val, y_val, k=5) == 100.


def test_random_labels_are_chance(probe):
    gen = torch.Generator().manual_seed(1)
    x_train, x_val = torch.randn(800, 32, generator=gen), torch.randn(800, 32, generator=gen)
    y_train, y_val = torch.randint(0, 4, (800,), generator=gen), torch.randint(0, 4, (800,), generator=gen)
    knn = probe.knn_top1(x_train, y_train, x_val, y_val, k=20, num_classes=4)
    linear = probe.linear_probe_top1(x_train, y_train, x_val, y_val, num_classes=4)
    assert 15. < knn < 35. and 15. < linear < 35.


def test_linear_probe_is_deterministic(probe):
    gen = torch.Generator().manual_seed(2)
    x, y = torch.randn(200, 16, generator=gen), torch.randint(0, 3, (200,), generator=gen)
    assert probe.linear_probe_top1(x, y, x, y) == probe.linear_probe_top1(x, y, x, y)


def test_paired_difference_is_the_sd_of_the_per_image_differences(probe):
    """diff = mean(a - b), SE = sd(a - b) / sqrt(N) = sqrt(b + c - (b - c)^2 / N) / N on the discordant pairs."""
    rng = np.random.default_rng(0)
    a, b = rng.random(500) < 0.6, rng.random(500) < 0.45
    out = probe.paired_difference(a, b)
    d = a.astype(float) - b.astype(float)
    assert out['num'] == 500 and out['a_only'] == int((a & ~b).sum()) and out['b_only'] == int((b & ~a).sum())
    assert out['diff'] == pytest.approx(100 * d.mean())
    assert out['se'] == pytest.approx(100 * d.std() / np.sqrt(500))
    assert out['z'] == pytest.approx(out['diff'] / out['se'])
    # agreeing classifiers: the paired SE is far below the unpaired one of two independent proportions
    same = probe.paired_difference(a, a ^ (np.arange(500) < 10))
    unpaired = 100 * np.sqrt(2 * a.mean() * (1 - a.mean()) / 500)
    assert same['se'] < unpaired / 3
    assert probe.paired_difference(a, a)['se'] == 0
    with pytest.raises(ValueError, match='same images'):
        probe.paired_difference(a, b[:-1])


def test_compare_needs_the_same_images(probe):
    results = dict(val_images='x', val_correct=dict(knn='1100', linear='1110'))
    versus = probe.compare(results, dict(val_images='x', val_correct=dict(knn='0100', linear='1110')))
    assert versus['knn']['diff'] == 25. and versus['knn']['a_only'] == 1 and versus['linear']['diff'] == 0.
    with pytest.raises(ValueError, match='same val images'):
        probe.compare(results, dict(val_images='y', val_correct=results['val_correct']))
    with pytest.raises(ValueError, match='same val images'):
        probe.compare(results, dict(val_images='x'))


def test_list_images(probe, tmp_path):
    write_classification_set(str(tmp_path), 2, 1, image_size=16, seed=0)
    paths, labels, classes = probe.list_images(str(tmp_path / 'train'))
    assert classes == list(CLASSES) and len(paths) == 16 and labels == sorted(labels)
    batch = probe.load_batch(paths[:3], (24, 24), probe.DEFAULT_MEAN, probe.DEFAULT_STD)
    assert batch.shape == (3, 3, 24, 24) and batch.dtype == torch.float32


def test_cli_random_init(tmp_path):
    data = tmp_path / 'data'
    write_classification_set(str(data), 4, 2, image_size=32, seed=0)
    config = tmp_path / 'tiny_ijepa.py'
    config.write_text(TINY_CONFIG)
    out = tmp_path / 'res' / 'probe.json'
    proc = subprocess.run(
        [sys.executable, SCRIPT, str(config), '--data-root', str(data), '--out', str(out), '--k', '5',
         '--encoder', 'context'],
        cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'k-NN top-1' in proc.stdout and 'linear probe top-1' in proc.stdout
    assert '[train] 32/32 images' in proc.stdout and '[val] 16/16 images' in proc.stdout
    results = json.loads(out.read_text())
    assert {'config', 'checkpoint', 'encoder', 'knn_top1', 'linear_top1', 'num_train', 'num_val',
            'num_classes', 'feature_dim', 'k'} <= results.keys()
    assert results['checkpoint'] is None and results['encoder'] == 'context'
    assert results['num_train'] == 32 and results['num_val'] == 16 and results['feature_dim'] == 48
    assert 0 <= results['knn_top1'] <= 100 and 0 <= results['linear_top1'] <= 100
    for metric, top1 in (('knn', results['knn_top1']), ('linear', results['linear_top1'])):
        outcomes = results['val_correct'][metric]
        assert len(outcomes) == 16 and set(outcomes) <= {'0', '1'} and 100 * outcomes.count('1') / 16 == top1

    # the same model against itself as the baseline: paired difference 0 with SE 0
    again = tmp_path / 'res' / 'again.json'
    proc = subprocess.run(
        [sys.executable, SCRIPT, str(config), '--data-root', str(data), '--out', str(again), '--k', '5',
         '--encoder', 'context', '--baseline', str(out)],
        cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'versus random init on the same 16 images (paired SE): k-NN +0.00 +- 0.00 points' in proc.stdout
    versus = json.loads(again.read_text())['versus_baseline']
    assert versus['baseline'] == str(out)
    assert versus['knn']['diff'] == 0 and versus['knn']['se'] == 0 and versus['linear']['num'] == 16


def test_cli_checkpoint(probe, tmp_path):
    """A checkpoint is loaded strictly: the probe sees its weights, not the random init."""
    data = tmp_path / 'data'
    write_classification_set(str(data), 2, 1, image_size=32, seed=0)
    config = tmp_path / 'tiny_ijepa.py'
    config.write_text(TINY_CONFIG)
    model, _, _ = probe.build_model(str(config))
    with torch.no_grad():
        model.target_generator.encoder.ln1.bias.fill_(0.5)
    ckpt = tmp_path / 'ckpt.pth'
    torch.save(dict(meta=dict(epoch=1), state_dict=model.state_dict()), ckpt)
    loaded, _, _ = probe.build_model(str(config), str(ckpt))
    assert torch.equal(loaded.target_generator.encoder.ln1.bias, torch.full((48,), 0.5))

    bad = tmp_path / 'bad.pth'
    state = model.state_dict()
    state.pop('target_generator.encoder.ln1.bias')
    torch.save(dict(state_dict=state), bad)
    with pytest.raises(RuntimeError):
        probe.build_model(str(config), str(bad))
