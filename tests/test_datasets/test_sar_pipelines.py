# Copyright (c) mmjepa contributors. All rights reserved.
"""The single-channel pipelines of the SAR configs (configs/_base_/datasets/sar_demo_*.py, mstar_soc_fewshot.py)
on written demo images: 1xHxW uint8 from PackInputs, 1-channel [0, 1] batches from the data preprocessors, and
RandomContrast on HxW, HxWx1 and HxWx3 images."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

import mmjepa  # noqa: F401  (registers RandomContrast, FewShotDataset, SeededDataset)
from mmjepa.datasets.demo import CLASSES, write_sar_set
from mmjepa.datasets.transforms import RandomContrast

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
BASE = osp.join(REPO, 'configs', '_base_', 'datasets')


@pytest.fixture(scope='module')
def sar_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('sar')
    write_sar_set(str(root), 1, 1, image_size=64, seed=0)
    return str(root)


@pytest.fixture(autouse=True)
def mmpretrain_scope():
    from mmengine.registry import init_default_scope
    init_default_scope('mmpretrain')


def pipeline(steps):
    from mmengine.dataset import Compose
    from mmpretrain.registry import TRANSFORMS
    return Compose([TRANSFORMS.build(step) for step in steps])


def two_images(root):
    return [dict(img_path=osp.join(root, 'train', name, '0.png'), gt_label=CLASSES.index(name))
            for name in ('ring', 'star')]


def preprocess(cfg_preprocessor, samples, default_type):
    from mmengine.dataset import default_collate
    from mmpretrain.registry import MODELS
    preprocessor = MODELS.build(dict(dict(type=default_type), **cfg_preprocessor))
    return preprocessor(default_collate(samples))


def test_pretrain_pipeline_and_preprocessor(sar_root):
    cfg = Config.fromfile(osp.join(BASE, 'sar_demo_pretrain.py'))
    assert [t['type'] for t in cfg.train_pipeline] == [
        'StrictLoadImageFromFile', 'RandomResizedCrop', 'RandomFlip', 'RandomContrast', 'PackInputs']
    np.random.seed(0)
    samples = [pipeline(cfg.train_pipeline)(info) for info in two_images(sar_root)]
    raw = [np.asarray(Image.open(info['img_path'])) for info in two_images(sar_root)]
    for sample, image in zip(samples, raw):
        assert sample['inputs'].shape == (1, 64, 64) and sample['inputs'].dtype == torch.uint8
        assert not np.array_equal(sample['inputs'][0].numpy(), image)  # cropped / flipped / contrast-jittered
    batch = preprocess(cfg.data_preprocessor, samples, 'SelfSupDataPreprocessor')
    inputs = batch['inputs']
    assert inputs.shape == (2, 1, 64, 64) and inputs.dtype == torch.float32
    expected = torch.stack([s['inputs'] for s in samples]).float() / 255
    torch.testing.assert_close(inputs, expected)  # [0, 1], as the official ToTensor (ROA target needs >= 0)


def test_pretrain_dataset_is_seeded(sar_root):
    from mmpretrain.registry import DATASETS
    cfg = Config.fromfile(osp.join(BASE, 'sar_demo_pretrain.py'))
    cfg.train_dataloader.dataset.dataset.data_root = sar_root
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(dataset) == len(CLASSES)
    a, b, c = dataset[(3, 11)], dataset[(3, 11)], dataset[(3, 12)]
    assert a['inputs'].shape == (1, 64, 64)
    assert torch.equal(a['inputs'], b['inputs']) and not torch.equal(a['inputs'], c['inputs'])


def test_fewshot_classification_pipelines_and_preprocessor(sar_root):
    from mmengine.runner import Runner
    cfg = Config.fromfile(osp.join(BASE, 'sar_demo_fewshot.py'))
    for steps in (cfg.train_pipeline, cfg.augment_pipeline, cfg.test_pipeline):
        samples = [pipeline(steps)(info) for info in two_images(sar_root)]
        assert all(s['inputs'].shape == (1, 64, 64) and s['inputs'].dtype == torch.uint8 for s in samples)
        batch = preprocess(cfg.data_preprocessor, samples, 'ClsDataPreprocessor')
        assert batch['inputs'].shape == (2, 1, 64, 64)
        torch.testing.assert_close(batch['inputs'], torch.stack([s['inputs'] for s in samples]).float() / 255)
        assert [int(s.gt_label) for s in batch['data_samples']] == [CLASSES.index('ring'), CLASSES.index('star')]

    loader_cfg = cfg.train_dataloader.copy()
    loader_cfg.update(num_workers=0, persistent_workers=False, batch_size=4)
    loader_cfg.dataset.update(shots_per_class=1)
    loader_cfg.dataset.dataset.data_root = sar_root
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    assert type(loader.dataset).__name__ == 'FewShotDataset' and len(loader.dataset) == len(CLASSES)
    batch = next(iter(loader))
    assert batch['inputs'].shape == (4, 1, 64, 64)
    assert cfg.val_evaluator == dict(type='Accuracy', topk=(1, ))


def test_mstar_pipeline_on_a_larger_chip(tmp_path):
    cfg = Config.fromfile(osp.join(BASE, 'mstar_soc_fewshot.py'))
    assert cfg.num_classes == 10 and cfg.data_root == 'data/mstar_soc/'
    chip = np.zeros((158, 158), np.uint8)
    chip[15:143, 15:143] = 200  # the central 128 x 128 crop: all bright
    Image.fromarray(chip).save(tmp_path / 'chip.jpeg', quality=100)
    sample = pipeline(cfg.test_pipeline)(dict(img_path=str(tmp_path / 'chip.jpeg'), gt_label=4))
    assert sample['inputs'].shape == (1, 224, 224) and sample['inputs'].dtype == torch.uint8
    assert abs(sample['inputs'].float().mean().item() - 200) < 3
    batch = preprocess(cfg.data_preprocessor, [sample], 'ClsDataPreprocessor')
    assert batch['inputs'].shape == (1, 1, 224, 224)


@pytest.mark.parametrize('shape', [(16, 20), (16, 20, 1), (16, 20, 3)])
def test_random_contrast(shape):
    img = np.random.default_rng(0).integers(60, 190, size=shape).astype(np.uint8)
    np.random.seed(1)
    out = RandomContrast(contrast=0.5)(dict(img=img.copy()))['img']
    assert out.shape == img.shape and out.dtype == np.uint8 and not np.array_equal(out, img)
    np.random.seed(1)
    np.testing.assert_array_equal(RandomContrast(contrast=0.5)(dict(img=img.copy()))['img'], out)
    centred_in = img.astype(float) - img.mean()
    centred_out = out.astype(float) - out.mean()
    factor = (centred_in * centred_out).sum() / (centred_in**2).sum()  # out = f * in + (1 - f) * mean
    assert 0.5 - 0.01 <= factor <= 1.5 + 0.01
    np.testing.assert_allclose(centred_out, factor * centred_in, atol=0.6)  # rounding only (no clipping here)
    np.testing.assert_array_equal(RandomContrast(contrast=0.)(dict(img=img.copy()))['img'], img)
    np.testing.assert_array_equal(RandomContrast(contrast=0.5, prob=0.)(dict(img=img.copy()))['img'], img)


def test_random_contrast_errors():
    with pytest.raises(ValueError, match='contrast must be >= 0'):
        RandomContrast(contrast=-0.1)
    with pytest.raises(ValueError, match='HxW, HxWx1 or HxWx3'):
        RandomContrast()(dict(img=np.zeros((4, 4, 4), np.uint8)))


def test_strict_grayscale_loading_equals_mmcv_and_names_bad_chips(sar_root, tmp_path):
    import glob
    from mmcv.transforms import LoadImageFromFile

    from mmjepa.datasets.transforms import StrictLoadImageFromFile
    chip = sorted(glob.glob(osp.join(sar_root, 'train', '*', '*.png')))[0]
    ours = StrictLoadImageFromFile(color_type='grayscale')(dict(img_path=chip))['img']
    theirs = LoadImageFromFile(color_type='grayscale')(dict(img_path=chip))['img']
    assert ours.shape == theirs.shape and ours.ndim == 2 and ours.dtype == np.uint8
    np.testing.assert_array_equal(ours, theirs)
    colour = tmp_path / 'colour.png'
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(colour)
    gray = StrictLoadImageFromFile(color_type='grayscale')(dict(img_path=str(colour)))['img'].astype(int)
    # a colour file: the same luma weights; libpng's own conversion (mmcv's cv2 path) rounds differently
    assert np.abs(gray - LoadImageFromFile(color_type='grayscale')(dict(img_path=str(colour)))['img']).max() <= 1
    empty = tmp_path / 'empty.png'
    empty.write_bytes(b'')
    with pytest.raises(ValueError, match=r"Bad image file '.*empty.png': empty file \(0 bytes\)"):
        StrictLoadImageFromFile(color_type='grayscale')(dict(img_path=str(empty)))
    cut = tmp_path / 'cut.png'
    cut.write_bytes(open(chip, 'rb').read()[:200])
    with pytest.raises(ValueError, match="Bad image file '.*cut.png'"):
        StrictLoadImageFromFile(color_type='grayscale')(dict(img_path=str(cut)))
