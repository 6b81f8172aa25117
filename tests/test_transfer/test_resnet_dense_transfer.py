# Copyright (c) mmjepa contributors. All rights reserved.
"""seq-JEPA's ResNet-18 transfers through configs alone: the demo UperNet (mmseg) and Mask R-CNN (mmdet) configs
load a seq-JEPA checkpoint's online encoder strictly into mmpretrain's ResNet keys and train two iterations."""
import os.path as osp

import pytest
import torch
from transfer_helpers import DEMO

CONFIGS = dict(ade20k='resnet18-w16-cifar_seqjepa-demo-pre_upernet_demo-ade-64px.py',
               coco='resnet18-w16-cifar_seqjepa-demo-pre_mask-rcnn_demo-coco-64px.py')
EXPECTED = dict(ade20k='mIoU', coco='coco/segm_mAP')


@pytest.fixture(scope='module')
def seqjepa_ckpt(tmp_path_factory):
    import mmjepa  # noqa: F401
    from mmjepa.models import JEPAResNetCIFAR
    torch.manual_seed(0)
    encoder = JEPAResNetCIFAR(depth=18, stem_channels=16, base_channels=16)
    encoder.init_weights()
    path = str(tmp_path_factory.mktemp('seq') / 'seqjepa.pth')
    torch.save({'meta': {'epoch': 1}, 'state_dict': {'backbone.' + k: v for k, v in encoder.state_dict().items()}},
               path)
    return path, encoder.state_dict()


@pytest.mark.parametrize('task', ['ade20k', 'coco'])
def test_seqjepa_resnet_dense_demo_transfer(task, seqjepa_ckpt, dense_demo_sets, tmp_path):
    from mmengine.config import Config
    from mmengine.runner import Runner
    path, state = seqjepa_ckpt
    cfg = Config.fromfile(osp.join(DEMO, CONFIGS[task]))
    cfg.model.backbone.init_cfg.checkpoint = path
    cfg.work_dir = str(tmp_path)
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    data_root = osp.join(dense_demo_sets, 'ade' if task == 'ade20k' else 'coco')
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[name].update(num_workers=0, persistent_workers=False, batch_size=2)
        cfg[name].dataset.data_root = data_root
    if task == 'coco':
        cfg.val_evaluator.ann_file = osp.join(data_root, 'annotations', 'instances_val.json')
    runner = Runner.from_cfg(cfg)
    loaded = runner.model.backbone.state_dict()
    runner.model.init_weights()  # the strict transfer (Runner.train calls it too, once)
    assert all(torch.equal(v, state[k]) for k, v in runner.model.backbone.state_dict().items()
               if not k.endswith('num_batches_tracked')) and loaded.keys() == state.keys()
    metrics = runner.train() and runner.val()
    assert EXPECTED[task] in metrics, metrics
