# Copyright (c) mmjepa contributors. All rights reserved.
"""Frozen means frozen: a linear probe over all frozen stages trains no tensor of the encoder, also the mask
token, register tokens and relative position tables that JEPAViT adds after mmpretrain's freezing."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

import mmjepa  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SAR_LINEAR = osp.join(ROOT, 'configs/demo/vit-tiny-p8_sarjepa-demo-pre_fewshot-linear_demo-sar-64px.py')


def test_frozen_linear_probe_moves_no_backbone_tensor():
    cfg = Config.fromfile(SAR_LINEAR)
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        model.init_weights()
    backbone = model.backbone
    assert backbone.mask_token is not None and backbone.register_tokens is not None and backbone.uses_rel_pos
    trainable = [n for n, p in backbone.named_parameters() if p.requires_grad]
    assert trainable == [], f'a frozen probe would train {trainable}'
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    head_before = [p.clone() for p in model.head.parameters()]
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=0.1, momentum=0.9)
    model.train()
    images = torch.rand(4, 1, 64, 64)
    labels = torch.tensor([0, 1, 2, 3])
    for _ in range(3):
        feats = model.extract_feat(images)
        loss = torch.nn.functional.cross_entropy(model.head(feats), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    moved = [k for k, v in backbone.state_dict().items() if not torch.equal(v, before[k])]
    assert moved == [], f'frozen backbone tensors moved: {moved}'
    assert any(not torch.equal(p, q) for p, q in zip(model.head.parameters(), head_before))  # the probe trained
