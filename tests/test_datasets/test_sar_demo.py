# Copyright (c) mmjepa contributors. All rights reserved.
"""Tests of the SAR-like demo set: byte-identical determinism, speckle statistics, display mapping, class-folder
layout with single-channel PNGs, shape kept under crops, no brightness shortcut, and the make_demo_data CLI."""
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from mmjepa.datasets.demo import CLASSES, render_sar_scene, sar, sar_rng, speckle, write_sar_set

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _digest(root):
    """{relative path: sha1} of every file under ``root``."""
    out = {}
    for dirpath, _, filenames in os.walk(root):
        for fname in filenames:
            with open(osp.join(dirpath, fname), 'rb') as f:
                out[osp.relpath(osp.join(dirpath, fname), root)] = hashlib.sha1(f.read()).hexdigest()
    return out


def test_write_is_byte_identical_and_seeded(tmp_path):
    for name, seed in (('a', 0), ('b', 0), ('c', 1)):
        write_sar_set(str(tmp_path / name), 2, 1, image_size=32, seed=seed)
    a, b, c = (_digest(tmp_path / n) for n in 'abc')
    assert len(a) == 3 * len(CLASSES)
    assert a == b  # same arguments: byte-identical files
    assert a.keys() == c.keys() and all(a[k] != c[k] for k in a)  # another seed: other images


def test_class_folder_layout_single_channel(tmp_path):
    summary = write_sar_set(str(tmp_path), 3, 2, image_size=48, seed=0)
    assert summary['num_train'] == 3 * len(CLASSES) and summary['num_val'] == 2 * len(CLASSES)
    assert summary['channels'] == 1 and summary['mode'] == 'sqrt'
    assert 1 <= summary['mean_looks'] <= 4
    for split, count in (('train', 3), ('val', 2)):
        assert sorted(os.listdir(tmp_path / split)) == list(CLASSES)
        for name in CLASSES:
            assert sorted(os.listdir(tmp_path / split / name)) == [f'{i}.png' for i in range(count)]
    with Image.open(tmp_path / 'train' / 'star' / '2.png') as img:
        assert img.mode == 'L' and img.size == (48, 48)  # 8-bit grayscale
        pixels = np.asarray(img)
    scene = render_sar_scene(sar_rng(0, 'train', CLASSES.index('star'), 2), 48, label=CLASSES.index('star'))
    np.testing.assert_array_equal(pixels, scene.image)  # the file holds the scene of (seed, split, class, index)

    from mmpretrain.datasets import CustomDataset
    dataset = CustomDataset(data_root=str(tmp_path), data_prefix='val', lazy_init=False)
    assert dataset.CLASSES == CLASSES
    np.testing.assert_array_equal(dataset.get_gt_labels(), np.repeat(np.arange(len(CLASSES)), 2))


@pytest.mark.parametrize('looks', [1., 2.5, 4.])
def test_speckle_of_a_flat_region(looks):
    """On a flat reflectivity, speckled / clean has mean 1 and variance 1/L (Gamma(L, 1/L) intensity speckle)."""
    clean = np.full((256, 256), 0.3)
    speckled = speckle(clean, looks, np.random.default_rng(0))
    assert speckled.dtype == np.float32 and speckled.shape == clean.shape
    ratio = speckled / clean
    assert ratio.min() > 0
    assert abs(ratio.mean() - 1) < 0.02  # standard error <= 0.004
    assert abs(ratio.var() / (1 / looks) - 1) < 0.06  # relative standard error <= 0.011
    with pytest.raises(ValueError, match='looks'):
        speckle(clean, 0., np.random.default_rng(0))


def test_speckle_of_rendered_scenes():
    """In rendered images the speckle is the same multiplicative Gamma(L, 1/L) over the clutter, with L per image
    in [1, 4]; the targets stay far brighter than the clutter in the clean reflectivity."""
    looks = []
    for label in range(len(CLASSES)):
        scene = render_sar_scene(sar_rng(0, 'val', label, 0), 128, label=label)
        looks.append(scene.looks)
        assert scene.image.shape == (128, 128) and scene.image.dtype == np.uint8
        clutter = scene.target == 0
        ratio = scene.intensity[clutter] / scene.reflectivity[clutter]
        assert ratio.size > 5000
        assert abs(ratio.mean() - 1) < 0.05
        assert abs(ratio.var() * scene.looks - 1) < 0.15
        assert scene.reflectivity[scene.target == 1].min() > 10 * scene.reflectivity[clutter].max()
    assert all(1 <= v <= 4 for v in looks) and np.ptp(looks) > 1


def test_display_mapping():
    full = sar.AMPLITUDE_FULL_SCALE
    np.testing.assert_array_equal(sar.display(np.array([0., full / 4, full, 10 * full]), 'sqrt'), [0, 128, 255, 255])
    low, high = sar.LOG_RANGE_DB
    np.testing.assert_array_equal(sar.display(10**(np.array([low - 5, low, high, high + 5]) / 10), 'log'),
                                  [0, 0, 255, 255])
    rng = sar_rng(0, 'train', 0, 0)
    assert render_sar_scene(rng, 32, label=0, mode='log').image.dtype == np.uint8
    with pytest.raises(ValueError, match='mode must be one of'):
        sar.display(np.ones(3), 'linear')
    with pytest.raises(ValueError, match='mode must be one of'):
        render_sar_scene(rng, 32, label=0, mode='db')


def test_smallest_crops_keep_a_whole_target():
    """RandomResizedCrop(scale 0.2-1, ratio 3/4-4/3): even the smallest crops hold a whole target of the class
    in nearly every case, so the class survives the pretraining augmentation."""
    rng = np.random.default_rng(0)
    size = 64
    for label in range(len(CLASSES)):
        kept = []
        for index in range(10):
            glyphs = render_sar_scene(sar_rng(0, 'train', label, index), size, label=label).glyphs
            for _ in range(40):
                ratio = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
                w, h = np.sqrt(0.2 * size * size * ratio), np.sqrt(0.2 * size * size / ratio)
                x0, y0 = rng.uniform(0, size - w), rng.uniform(0, size - h)
                kept.append(any(
                    x0 <= g.cx - g.radius and g.cx + g.radius <= x0 + w and y0 <= g.cy - g.radius
                    and g.cy + g.radius <= y0 + h for g in glyphs))
        assert np.mean(kept) > 0.85, (CLASSES[label], np.mean(kept))


def test_brightness_gives_no_label():
    """A nearest-centroid classifier on the per-image mean and std of the pixels stays near chance (1/8)."""
    def features(split, count):
        x, y = [], []
        for label in range(len(CLASSES)):
            for index in range(count):
                image = render_sar_scene(sar_rng(0, split, label, index), 32, label=label).image.astype(float)
                x.append([image.mean(), image.std()])
                y.append(label)
        return np.array(x), np.array(y)

    x_train, y_train = features('train', 40)
    x_val, y_val = features('val', 40)
    scale = x_train.std(axis=0)
    centroids = np.stack([x_train[y_train == c].mean(axis=0) for c in range(len(CLASSES))]) / scale
    pred = np.linalg.norm(x_val[:, None] / scale - centroids[None], axis=2).argmin(axis=1)
    assert (pred == y_val).mean() < 0.25


def test_make_demo_data_writes_the_sar_set(tmp_path):
    script = osp.join(REPO, 'tools', 'dataset_converters', 'make_demo_data.py')
    cmd = [sys.executable, script, '--out', str(tmp_path), '--image-size', '32', '--train-per-class', '1',
           '--val-per-class', '1', '--sar-train-per-class', '2', '--sar-val-per-class', '1', '--sets', 'sar']
    first = subprocess.run(cmd, capture_output=True, text=True, check=True)
    root = tmp_path / 'sar'
    assert 'Wrote 16 train and 8 val single-channel SAR-like images' in first.stdout
    settings = json.loads((root / 'settings.json').read_text())
    assert settings['layout'] == 'sar' and settings['channels'] == 1 and settings['looks'] == [1, 4]
    assert settings['display'] == 'sqrt' and settings['train_per_class'] == 2
    digest = _digest(root)
    assert len(digest) == 16 + 8 + 1
    second = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert 'sar already holds' in second.stdout and _digest(root) == digest
    cmd += ['--sar-display', 'log']
    third = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert 'log display' in third.stdout and _digest(root) != digest
    assert sorted(os.listdir(tmp_path)) == ['sar']  # no temporary folder left behind
