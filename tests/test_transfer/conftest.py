# Copyright (c) mmjepa contributors. All rights reserved.
"""Tiny fixtures for the transfer tests: a 2-layer, 32-wide JEPA ViT (patch 16 on 64 px: a 4x4 grid), an
mmjepa-format pretraining checkpoint of it, and small demo sets in the ImageNet, ADE20K and COCO layouts."""
import os.path as osp

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, 'configs', 'demo')
TINY_ARCH = dict(embed_dims=32, num_layers=4, num_heads=2, feedforward_channels=64)
CONFIGS = dict(
    linear=osp.join(DEMO, 'vit-tiny-p8_ijepa-demo-pre_linear_demo-64px.py'),
    finetune=osp.join(DEMO, 'vit-tiny-p8_ijepa-demo-pre_ft_demo-64px.py'),
    ade20k=osp.join(DEMO, 'vit-tiny-p8_ijepa-demo-pre_upernet_demo-ade-64px.py'),
    coco=osp.join(DEMO, 'vit-tiny-p8_ijepa-demo-pre_mask-rcnn_demo-coco-64px.py'),
)


def tiny_backbone_state(num_layers: int = 4, seed: int = 0) -> dict:
    import mmjepa  # noqa: F401
    from mmjepa.models import JEPAViT
    torch.manual_seed(seed)
    vit = JEPAViT(arch=dict(TINY_ARCH, num_layers=num_layers), img_size=64, patch_size=16)
    vit.init_weights()
    return vit.state_dict()


def save_pretrain_ckpt(path: str, num_layers: int = 4) -> str:
    """An mmjepa pretraining checkpoint layout: context encoder, EMA target encoder, predictor, step."""
    target, context = tiny_backbone_state(num_layers, 0), tiny_backbone_state(num_layers, 1)
    state = {'step': torch.tensor(3)}
    state.update({'backbone.' + k: v for k, v in context.items()})
    state.update({'target_generator.encoder.' + k: v for k, v in target.items()})
    state['predictor.mask_token'] = torch.zeros(1, 1, 16)
    torch.save({'meta': {'epoch': 1}, 'state_dict': state}, path)
    return path


@pytest.fixture(scope='session')
def pretrain_ckpt(tmp_path_factory):
    return save_pretrain_ckpt(str(tmp_path_factory.mktemp('pre') / 'tiny_pre.pth'))


@pytest.fixture(scope='session')
def dense_demo_sets(tmp_path_factory):
    from mmjepa.datasets.demo import write_coco_set, write_segmentation_set
    root = tmp_path_factory.mktemp('dense')
    write_segmentation_set(str(root / 'ade'), num_train=4, num_val=2, image_size=64, seed=0)
    write_coco_set(str(root / 'coco'), num_train=4, num_val=2, image_size=64, seed=0)
    return str(root)


def tiny_cfg(task: str, checkpoint: str, work_dir: str = None, data_root: str = None, prefix: str = None):
    """The demo config of ``task`` shrunk to the tiny ViT, pointed at ``checkpoint`` and ``data_root``."""
    import mmjepa  # noqa: F401
    from mmengine.config import Config
    cfg = Config.fromfile(CONFIGS[task])
    bb = cfg.model.backbone
    bb.arch = dict(TINY_ARCH)
    bb.patch_size = 16
    bb.init_cfg.checkpoint = checkpoint
    if prefix is not None:
        bb.init_cfg.prefix = prefix
    if task == 'linear':
        bb.frozen_stages = 4
        cfg.model.neck[1].input_features = 32
        cfg.model.head.in_channels = 32
    elif task == 'finetune':
        cfg.model.head.in_channels = 32
    elif task == 'ade20k':
        bb.out_indices = (0, 1, 2, 3)
        cfg.model.neck.embed_dim = 32
        cfg.model.decode_head.in_channels = [32] * 4
        cfg.model.decode_head.channels = 16
        cfg.model.auxiliary_head.in_channels = 32
        cfg.model.auxiliary_head.channels = 8
    elif task == 'coco':
        bb.out_indices = (3, )
        cfg.model.neck.in_channels = 32
        cfg.model.neck.scale_factors = (4.0, 2.0, 1.0, 0.5)
    if work_dir is not None:
        cfg.work_dir = work_dir
        cfg.train_cfg.max_iters = 2
        cfg.train_cfg.val_interval = 2
        cfg.default_hooks.logger.interval = 1
        for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            loader = cfg[name]
            loader.num_workers = 0
            loader.persistent_workers = False
            loader.batch_size = 2
    if data_root is not None:
        for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            cfg[name].dataset.data_root = data_root
        if task == 'coco':
            cfg.val_evaluator.ann_file = osp.join(data_root, 'annotations', 'instances_val.json')
            cfg.test_evaluator = cfg.val_evaluator
    return cfg
