# Copyright (c) mmjepa contributors. All rights reserved.
"""Tests of the synthetic demo data: determinism, layout, masks, boxes and RLE, small nuisances, no shortcut."""
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils

from mmjepa.datasets import demo
from mmjepa.datasets.demo import (CLASSES, image_rng, mask_bbox, mask_to_rle, render_class_scene,
                                  render_multi_object_scene, write_classification_set)

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _digest(root):
    """{relative path: sha1} of every file under ``root``."""
    out = {}
    for dirpath, _, filenames in os.walk(root):
        for fname in filenames:
            path = osp.join(dirpath, fname)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = hashlib.sha1(f.read()).hexdigest()
    return out


def test_classes():
    assert len(CLASSES) == 8 and len(set(CLASSES)) == 8
    assert list(CLASSES) == sorted(CLASSES)  # label == index in mmpretrain's CustomDataset


def test_scene_determinism():
    a = render_class_scene(image_rng(0, 'train', 3, 7), 64, label=3)
    b = render_class_scene(image_rng(0, 'train', 3, 7), 64, label=3)
    c = render_class_scene(image_rng(1, 'train', 3, 7), 64, label=3)
    d = render_class_scene(image_rng(0, 'val', 3, 7), 64, label=3)
    assert a.image.dtype == np.uint8 and a.image.shape == (64, 64, 3)
    np.testing.assert_array_equal(a.image, b.image)
    assert [o.label for o in a.objects] == [o.label for o in b.objects]
    assert all(np.array_equal(x.mask, y.mask) for x, y in zip(a.objects, b.objects))
    assert not np.array_equal(a.image, c.image)
    assert not np.array_equal(a.image, d.image)
    assert a.label == 3


@pytest.mark.parametrize('size', [64, 96])
def test_masks_and_boxes(size):
    rng = np.random.default_rng(0)
    for i in range(40):
        scene = render_class_scene(rng, size, label=i % len(CLASSES)) if i % 2 else render_multi_object_scene(rng, size)
        assert scene.objects
        union = np.zeros((size, size), dtype=int)
        for obj in scene.objects:
            assert obj.mask.dtype == bool and obj.mask.shape == (size, size)
            assert obj.area > 0
            x, y, w, h = obj.bbox
            assert (x, y, w, h) == mask_bbox(obj.mask)
            assert obj.mask[y:y + h, x:x + w].sum() == obj.area  # the box holds the whole mask
            assert obj.mask[y, x:x + w].any() and obj.mask[y + h - 1, x:x + w].any()  # and is tight
            assert obj.mask[y:y + h, x].any() and obj.mask[y:y + h, x + w - 1].any()
            union += obj.mask
        assert union.max() == 1  # visible masks do not overlap (occlusion resolved)
        sem, inst = scene.semantic_map(), scene.instance_map()
        for k, obj in enumerate(scene.objects):
            assert (sem[obj.mask] == obj.label + 1).all() and (inst[obj.mask] == k + 1).all()
        if scene.main is not None:
            assert scene.objects[scene.main].area == max(o.area for o in scene.objects)


def test_occlusion_masks():
    """An object drawn on top hides the pixels below it from the earlier object's mask."""
    rng = np.random.default_rng(0)
    size = 64
    specs = [demo.ShapeSpec(label=CLASSES.index('square'), cx=32, cy=32, radius=20),
             demo.ShapeSpec(label=CLASSES.index('disc'), cx=40, cy=32, radius=10)]
    scene = demo.compose_scene(rng, size, specs)
    back, front = scene.objects
    full_back = demo.rasterize(specs[0], size) >= 0.5
    full_front = demo.rasterize(specs[1], size) >= 0.5
    np.testing.assert_array_equal(front.mask, full_front)
    np.testing.assert_array_equal(back.mask, full_back & ~full_front)


def test_class_scenes_are_textures_of_one_shape():
    """The classification images: a grid of many glyphs, all of the image's class, of one colour."""
    for label in range(len(CLASSES)):
        scene = render_class_scene(image_rng(0, 'train', label, 0), 64, label=label)
        assert len(scene.objects) >= 12 and scene.label == label
        assert all(o.label == label for o in scene.objects)
        assert len({o.spec.level for o in scene.objects}) == 1
        assert sum(o.area for o in scene.objects) > 0.1 * 64 * 64


def test_every_class_has_the_same_ink():
    """The glyphs are scaled so that every class covers the same area: the ink gives no label away."""
    areas = [demo.scenes._unit_area(name) * demo.scenes.GLYPH_SCALE[name]**2 for name in CLASSES]
    np.testing.assert_allclose(areas, areas[0], rtol=1e-9)


def test_nuisances_stay_below_the_shape_signal():
    """Flat dark background, light glyphs: every glyph pixel is brighter than every background pixel of its
    image, and the background varies only by its noise."""
    for label in range(len(CLASSES)):
        scene = render_class_scene(image_rng(0, 'val', label, 1), 64, label=label)
        grey = scene.image.astype(np.float32).mean(axis=2)
        coverage = np.max([demo.rasterize(o.spec, 64, 2) for o in scene.objects], axis=0)
        inside, outside = grey[coverage == 1], grey[coverage == 0]
        assert inside.min() > outside.max()
        assert outside.std() < 3 * demo.scenes.NOISE


def test_mean_colour_gives_no_label():
    """A nearest-centroid classifier on the per-image mean RGB stays near chance (1/8)."""
    def features(split, count):
        x, y = [], []
        for label in range(len(CLASSES)):
            for index in range(count):
                scene = render_class_scene(image_rng(0, split, label, index), 32, label=label, supersample=2)
                x.append(scene.image.reshape(-1, 3).mean(axis=0))
                y.append(label)
        return np.array(x), np.array(y)

    x_train, y_train = features('train', 40)
    x_val, y_val = features('val', 40)
    centroids = np.stack([x_train[y_train == c].mean(axis=0) for c in range(len(CLASSES))])
    pred = np.linalg.norm(x_val[:, None] - centroids[None], axis=2).argmin(axis=1)
    accuracy = (pred == y_val).mean()
    assert accuracy < 0.25, accuracy


def test_rle_is_pycocotools():
    """The COCO masks are pycocotools' compressed RLE (JSON-ready str counts) and decode to the mask."""
    scene = render_multi_object_scene(np.random.default_rng(3), 64)
    for obj in scene.objects:
        rle = mask_to_rle(obj.mask)
        assert rle['size'] == [64, 64] and isinstance(rle['counts'], str)
        json.dumps(rle)
        np.testing.assert_array_equal(mask_utils.decode(rle).astype(bool), obj.mask)
        assert int(mask_utils.area(rle)) == obj.area
        x, y, w, h = mask_utils.toBbox(rle)
        assert (x, y, w, h) == obj.bbox


def test_write_classification_set(tmp_path):
    summary = write_classification_set(str(tmp_path / 'a'), 3, 2, image_size=32, seed=0)
    assert summary['num_train'] == 3 * len(CLASSES) and summary['num_val'] == 2 * len(CLASSES)
    for split, count in (('train', 3), ('val', 2)):
        assert sorted(os.listdir(tmp_path / 'a' / split)) == list(CLASSES)
        for name in CLASSES:
            files = sorted(os.listdir(tmp_path / 'a' / split / name))
            assert len(files) == count and all(f.endswith('.png') for f in files)
    img = Image.open(tmp_path / 'a' / 'train' / CLASSES[0] / '0.png')
    assert img.mode == 'RGB' and img.size == (32, 32)

    write_classification_set(str(tmp_path / 'b'), 3, 2, image_size=32, seed=0)
    write_classification_set(str(tmp_path / 'c'), 3, 2, image_size=32, seed=1)
    a, b, c = (_digest(tmp_path / n) for n in 'abc')
    assert a == b  # same seed: byte-identical files
    assert a.keys() == c.keys() and all(a[k] != c[k] for k in a)  # another seed: other images


def test_importable_without_mmengine():
    """The renderer and writers need numpy and Pillow only: the package loads by path without mmengine."""
    folder = osp.join(REPO, 'mmjepa', 'datasets', 'demo')
    code = ('import importlib.util, sys\n'
            "sys.modules['mmengine'] = sys.modules['torch'] = sys.modules['mmpretrain'] = None\n"
            f"spec = importlib.util.spec_from_file_location('dd', {osp.join(folder, '__init__.py')!r}, "
            f"submodule_search_locations=[{folder!r}])\n"
            "m = importlib.util.module_from_spec(spec); sys.modules['dd'] = m; spec.loader.exec_module(m)\n"
            "print(m.render_class_scene(m.image_rng(0, 'train', 0, 0), 32, label=5).label)\n")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == '5'


def test_make_demo_data_cli(tmp_path):
    script = osp.join(REPO, 'tools', 'dataset_converters', 'make_demo_data.py')
    cmd = [sys.executable, script, '--out', str(tmp_path), '--image-size', '32', '--train-per-class', '2',
           '--val-per-class', '1', '--seed', '3', '--sets', 'imagenet']  # the ADE/COCO sets: tests/test_transfer
    first = subprocess.run(cmd, capture_output=True, text=True, check=True)
    root = tmp_path / 'imagenet'
    assert 'Wrote 16 train and 8 val images' in first.stdout and str(root) in first.stdout
    settings = json.loads((root / 'settings.json').read_text())
    assert settings['seed'] == 3 and settings['train_per_class'] == 2
    digest = _digest(root)
    assert len(digest) == 16 + 8 + 1

    second = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert 'skipping' in second.stdout and _digest(root) == digest

    cmd[cmd.index('--train-per-class') + 1] = '3'
    third = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert 'Wrote 24 train' in third.stdout
    assert len(_digest(root)) == 24 + 8 + 1
    assert sorted(os.listdir(tmp_path)) == ['imagenet']  # no temporary folder left behind
