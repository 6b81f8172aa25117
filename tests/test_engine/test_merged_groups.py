# Copyright (c) mmjepa contributors. All rights reserved.
"""MergedGroupsOptimWrapperConstructor: a handful of parameter groups, the same updates bit for bit."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

import mmjepa  # noqa: F401

VIT_H = 'configs/ijepa/ijepa_vit-huge-p14_16xb128-amp-300e_in1k.py'
DEMO = 'configs/demo/ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py'


def _wrapper_cfg(cfg, constructor):
    wrapper = copy.deepcopy(cfg.optim_wrapper)
    wrapper.update(type='OptimWrapper', constructor=constructor)
    return wrapper


@pytest.mark.parametrize('config, per_tensor', [(VIT_H, 539), (DEMO, None)])
def test_two_groups_for_the_ijepa_recipes(config, per_tensor):
    """ViT-H/14 + a depth-12 predictor: 539 groups per tensor before, 2 now (decay / no decay), every trained
    tensor in the group the default rules give it. Built on the meta device: no memory, no init."""
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(config)
    assert cfg.optim_wrapper.constructor == 'MergedGroupsOptimWrapperConstructor'
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    default = build_optim_wrapper(model, _wrapper_cfg(cfg, 'DefaultOptimWrapperConstructor')).optimizer
    merged = build_optim_wrapper(model, _wrapper_cfg(cfg, 'MergedGroupsOptimWrapperConstructor')).optimizer
    if per_tensor is not None:
        assert len(default.param_groups) == per_tensor
    assert len(merged.param_groups) == 2
    decay_of = {id(p): g['weight_decay'] for g in default.param_groups for p in g['params']}
    names = {id(p): n for n, p in model.named_parameters()}
    assert sum(len(g['params']) for g in merged.param_groups) == len(decay_of)
    for group in merged.param_groups:
        for p in group['params']:
            assert group['weight_decay'] == decay_of[id(p)], names[id(p)]
            if p.requires_grad:
                assert (group['weight_decay'] > 0) == (p.ndim > 1), names[id(p)]


def test_merged_groups_train_bit_identically():
    """Three steps of the demo model with the config's fused AdamW and its weight-decay schedule."""
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(DEMO)
    cfg.model.backbone.arch = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
    cfg.model.target_generator.total_steps = 10
    torch.manual_seed(0)
    model_a = MODELS.build(cfg.model)
    model_a.init_weights()
    model_b = copy.deepcopy(model_a)
    wrapper_a = build_optim_wrapper(model_a, _wrapper_cfg(cfg, 'FrozenSummaryOptimWrapperConstructor'))
    wrapper_b = build_optim_wrapper(model_b, _wrapper_cfg(cfg, 'MergedGroupsOptimWrapperConstructor'))
    assert len(wrapper_a.optimizer.param_groups) > 10 and len(wrapper_b.optimizer.param_groups) == 2
    images = torch.randint(0, 256, (4, 3, 64, 64), dtype=torch.uint8)
    for step in range(3):
        for wrapper in (wrapper_a, wrapper_b):  # the weight-decay schedule moves every decayed group alike
            for group in wrapper.optimizer.param_groups:
                group['weight_decay'] = group['weight_decay'] and 0.04 * (1 + step)
        loss_a = model_a.train_step(dict(inputs=images, data_samples=None), wrapper_a)['loss']
        loss_b = model_b.train_step(dict(inputs=images, data_samples=None), wrapper_b)['loss']
        assert torch.equal(loss_a, loss_b), step
    for (name, a), b in zip(model_a.state_dict().items(), model_b.state_dict().values()):
        assert torch.equal(a, b), name
