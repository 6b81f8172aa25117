# Copyright (c) mmjepa contributors. All rights reserved.
import copy
import math

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS, init_default_scope
from mmpretrain.registry import MODELS

from mmjepa.models.utils import ema_update_, linear_momentum

DEMO = 'configs/demo/ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py'


def tiny_ijepa(**kwargs):
    cfg = dict(type='IJEPA', backbone=dict(type='JEPAViT', arch='tiny', img_size=32, patch_size=8),
               predictor=dict(type='JEPAPredictor', predictor_dims=48, depth=2),
               mask_sampler=dict(type='MultiBlockMaskSampler', target_scale=(0.15, 0.2), min_keep=1),
               ema_total_steps=100)
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_linear_momentum_schedule():
    assert linear_momentum(0, 100, 0.996, 1.0) == 0.996
    assert linear_momentum(50, 100, 0.996, 1.0) == pytest.approx(0.998)
    assert linear_momentum(100, 100, 0.996, 1.0) == 1.0
    assert linear_momentum(150, 100, 0.996, 1.0) == 1.0


def test_ema_update_matches_the_formula():
    torch.manual_seed(0)
    online, target = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    expect = [0.9 * t + 0.1 * o for t, o in zip(target.parameters(), online.parameters())]
    ema_update_([target], [online], 0.9)
    for t, e in zip(target.parameters(), expect):
        assert torch.allclose(t, e)


def test_target_starts_as_copy_and_follows_the_schedule():
    torch.manual_seed(0)
    model = tiny_ijepa()
    online, target = model.backbone, model.target_generator.encoder
    assert all(torch.equal(a, b) for a, b in zip(online.state_dict().values(), target.state_dict().values()))
    assert not any(p.requires_grad for p in target.parameters())
    x = torch.randn(2, 3, 32, 32)
    out = model.loss(x, None)
    assert out['ema_momentum'] == 0  # step 0: the target is still the copy
    with torch.no_grad():
        for p in online.parameters():
            p.add_(1.0)
    before = copy.deepcopy(target.state_dict())
    out = model.loss(x, None)
    m = 0.996  # the update after optimizer step 0
    assert float(out['ema_momentum']) == pytest.approx(m)
    w = 'layers.0.attn.qkv.weight'
    assert torch.allclose(target.state_dict()[w], m * before[w] + (1 - m) * online.state_dict()[w], atol=1e-6)
    assert int(model.step) == 2


def test_step_and_masks_survive_a_state_dict_round_trip():
    torch.manual_seed(0)
    a = tiny_ijepa()
    x = torch.randn(2, 3, 32, 32)
    for _ in range(3):
        a.loss(x, None)
    b = tiny_ijepa()
    b.load_state_dict(a.state_dict())
    assert b._step == 3
    for ma, mb in zip(a.sample_masks(2, 'cpu'), b.sample_masks(2, 'cpu')):
        assert torch.equal(ma, mb)


def test_loss_decreases():
    torch.manual_seed(0)
    model = tiny_ijepa(ema_momentum=(1.0, 1.0))  # fixed target: pure regression
    optim = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    x = torch.randn(8, 3, 32, 32)
    losses = []
    for _ in range(15):
        loss = model.loss(x, None)['loss']
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(float(loss))
    assert losses[-1] < 0.7 * losses[0]


def test_l2_criterion_and_tensor_mode_use_the_target_encoder():
    torch.manual_seed(0)
    model = tiny_ijepa(loss=dict(type='JEPAPredictionLoss', criterion='l2'))
    x = torch.randn(2, 3, 32, 32)
    assert model.loss(x, None)['loss'] > 0
    feats = model(x, mode='tensor')
    assert torch.allclose(feats[0], model.target_generator.encoder(x)[0])


def test_mismatched_mask_grid_is_a_build_error():
    with pytest.raises(ValueError, match='mask_sampler.input_size'):
        tiny_ijepa(mask_sampler=dict(type='MultiBlockMaskSampler', input_size=14))


def official_lr(step, warmup, total, ref=1e-3, start_factor=0.2, final=1e-6):
    start = start_factor * ref
    if step < warmup:
        return start + step * (ref - start) / warmup
    progress = (step - warmup) / (total - warmup)
    return final + (ref - final) * 0.5 * (1 + math.cos(math.pi * progress))


def official_wd(step, total, ref=0.04, final=0.4):
    return final + (ref - final) * 0.5 * (1 + math.cos(math.pi * step / total))


@pytest.mark.parametrize('config', [
    DEMO, 'configs/ijepa/ijepa_vit-base-p16_8xb256-amp-600e_in1k.py',
    'configs/ijepa/ijepa_vit-huge-p14_16xb128-amp-300e_in1k.py'])
def test_lr_and_weight_decay_schedules_match_the_official_formulas(config):
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(config)
    cfg.optim_wrapper.type = 'OptimWrapper'
    cfg.optim_wrapper.pop('dtype', None)
    model = tiny_ijepa()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    groups = wrapper.optimizer.param_groups
    decayed = [g for g in groups if g['weight_decay'] > 0]
    # No decay on biases and 1-D parameters (norms); decay on matrices and the mask token.
    names = {id(p): n for n, p in model.named_parameters()}
    for g in groups:
        for p in g['params']:
            if p.requires_grad:
                assert (g['weight_decay'] > 0) == (p.ndim > 1), names[id(p)]
    ipe = 3
    epochs = cfg.train_cfg.max_epochs
    warmup = cfg.param_scheduler[0]['warmup'] * ipe
    schedulers = []
    for sched in copy.deepcopy(cfg.param_scheduler):
        sched.pop('convert_to_iter_based')
        cls = PARAM_SCHEDULERS.get(sched.pop('type'))
        schedulers.append(cls.build_iter_from_epoch(wrapper.optimizer, epoch_length=ipe, **sched))
    total = epochs * ipe
    for step in range(total):
        expect = official_lr(step, warmup, total, ref=cfg.optim_wrapper.optimizer.lr)
        assert groups[0]['lr'] == pytest.approx(expect, rel=1e-6, abs=1e-12), step
        assert decayed[0]['weight_decay'] == pytest.approx(official_wd(step, total), rel=1e-6), step
        wrapper.optimizer.step()
        for s in schedulers:
            s.step()


def test_compile_networks_keeps_the_loss():
    """IJEPA.compile_networks (dynamo with the eager backend: graph capture without code generation) gives the
    eager losses over steps whose masks keep different token counts."""
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(DEMO).model
    cfg.backbone.arch = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
    cfg.predictor.update(predictor_dims=32, depth=2)
    cfg.ema_total_steps = 10
    torch.manual_seed(0)
    eager = MODELS.build(cfg)
    eager.init_weights()
    compiled = copy.deepcopy(eager)
    compiled.compile_networks(backend='eager')
    x = torch.randn(2, 3, 64, 64)
    for _ in range(3):
        expected, got = eager.loss(x, None)['loss'], compiled.loss(x, None)['loss']
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)
    assert 'loss' not in vars(compiled) and 'forward_tokens' in vars(compiled.backbone)  # loss itself stays eager
