# Copyright (c) mmjepa contributors. All rights reserved.
"""Tiny fixtures for the transfer tests: a 4-layer, 32-wide JEPA ViT (patch 16 on 64 px: a 4x4 grid), an
mmjepa-format pretraining checkpoint of it, the checkpoints of a real two-iteration DMT-JEPA pretraining run
(patch 8), and small demo sets in the ImageNet, ADE20K and COCO layouts."""
import os.path as osp

import pytest
from transfer_helpers import DEMO, TINY_ARCH, save_pretrain_ckpt


@pytest.fixture(scope='session')
def pretrain_ckpt(tmp_path_factory):
    return save_pretrain_ckpt(str(tmp_path_factory.mktemp('pre') / 'tiny_pre.pth'))


DMTJEPA_DEMO = osp.join(DEMO, 'dmtjepa_vit-tiny-p8_1xb64-16e_demo-64px.py')


@pytest.fixture(scope='session')
def dmtjepa_run(tiny_demo_set, tmp_path_factory):
    """The DMT-JEPA demo config shrunk to the tiny ViT (patch 8, the demo's 8x8 grid), pretrained for one epoch of
    two iterations of 8 images: its work dir, with iter_1.pth (mid-epoch), iter_2.pth and epoch_1.pth."""
    import mmjepa  # noqa: F401
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(DMTJEPA_DEMO)
    cfg.model.backbone.arch = dict(TINY_ARCH)
    cfg.model.predictor.update(predictor_dims=16, depth=1)
    loader = cfg.train_dataloader
    loader.update(batch_size=8, num_workers=0, persistent_workers=False)
    loader.dataset.dataset.data_root = tiny_demo_set
    cfg.train_cfg.max_epochs = 1
    cfg.custom_hooks[0].interval = 1  # the iteration checkpoints
    cfg.default_hooks.checkpoint.interval = 1
    cfg.work_dir = str(tmp_path_factory.mktemp('dmtjepa_pre'))
    Runner.from_cfg(cfg).train()
    return cfg.work_dir


@pytest.fixture(scope='session')
def dense_demo_sets(tmp_path_factory):
    from mmjepa.datasets.demo import write_coco_set, write_segmentation_set
    root = tmp_path_factory.mktemp('dense')
    write_segmentation_set(str(root / 'ade'), num_train=4, num_val=2, image_size=64, seed=0)
    write_coco_set(str(root / 'coco'), num_train=4, num_val=2, image_size=64, seed=0)
    return str(root)
