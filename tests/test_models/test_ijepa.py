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
               target_generator=dict(type='EMATargetGenerator', total_steps=100))
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
    assert float(out['ema_momentum']) == pytest.approx(0.996)  # of the update due after optimizer step 0
    assert all(torch.equal(a, b) for a, b in zip(online.state_dict().values(), target.state_dict().values()))
    with torch.no_grad():  # the "optimizer step"
        for p in online.parameters():
            p.add_(1.0)
    before = copy.deepcopy(target.state_dict())
    assert model.update_target() and not model.update_target()  # made once
    w = 'layers.0.attn.qkv.weight'
    m = 0.996
    assert torch.allclose(target.state_dict()[w], m * before[w] + (1 - m) * online.state_dict()[w], atol=1e-6)
    out = model.loss(x, None)
    assert float(out['ema_momentum']) == pytest.approx(0.996 + 0.004 / 100)
    assert int(model.step) == 2


def test_a_loop_without_update_target_gets_the_update_at_the_next_step_with_a_warning():
    torch.manual_seed(0)
    model = tiny_ijepa()
    x = torch.randn(2, 3, 32, 32)
    model.loss(x, None)
    with torch.no_grad():
        for p in model.backbone.parameters():
            p.add_(1.0)
    with pytest.warns(UserWarning, match='not saved'):  # a state dict taken now lacks the due update
        model.state_dict()
    reference = copy.deepcopy(model)
    reference.update_target()
    with pytest.warns(UserWarning, match='update_target'):
        model.loss(x, None)
    for a, b in zip(model.target_generator.parameters(), reference.target_generator.parameters()):
        assert torch.equal(a, b)
    model.ema_in_forward = False  # as under FSDP: the update must not run inside the forward
    with pytest.raises(RuntimeError, match='TargetEMAHook'):
        model.loss(x, None)


def official_momenta(total, start=0.996, end=1.0):
    """The official ``momentum_scheduler`` generator, ``next()``ed after each optimizer step."""
    return (start + i * (end - start) / total for i in range(total + 1))


def official_ema_(target, online, m):
    """The official update loop: ``param_k.data.mul_(m).add_((1. - m) * param_q.detach().data)``."""
    with torch.no_grad():
        for q, k in zip(online.parameters(), target.parameters()):
            k.mul_(m).add_((1. - m) * q.detach())


def run_steps(model, optim, steps, x):
    from mmpretrain.structures import DataSample
    data = dict(inputs=x, data_samples=[DataSample() for _ in x])
    for _ in range(steps):
        model.train_step(data, optim)


def test_train_step_makes_the_official_ema_update_right_after_each_optimizer_step():
    """After every train step the target equals the official code's after that step: the EMA update with the
    generator's next momentum (0.996 first), applied right after the optimizer step."""
    from mmengine.optim import OptimWrapper
    torch.manual_seed(0)
    model = tiny_ijepa(data_preprocessor=dict(type='SelfSupDataPreprocessor'), 
                       target_generator=dict(type='EMATargetGenerator', total_steps=4))
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-2))
    reference = copy.deepcopy(model.target_generator.encoder)
    momenta = official_momenta(4)
    x = torch.randn(2, 3, 32, 32)
    for step in range(3):
        run_steps(model, optim, 1, x)
        official_ema_(reference, model.backbone, next(momenta))
        for a, b in zip(model.target_generator.encoder.parameters(), reference.parameters()):
            torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    assert not model.update_target()  # nothing left due: the last update is in the weights


def test_gradient_accumulation_updates_the_target_only_when_the_optimizer_steps():
    from mmengine.optim import OptimWrapper
    torch.manual_seed(0)
    model = tiny_ijepa(data_preprocessor=dict(type='SelfSupDataPreprocessor'), 
                       target_generator=dict(type='EMATargetGenerator', total_steps=4))
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-2), accumulative_counts=2)
    optim.initialize_count_status(model, 0, 4)
    x = torch.randn(2, 3, 32, 32)
    start = copy.deepcopy(model.target_generator.encoder.state_dict())
    run_steps(model, optim, 1, x)  # accumulating: neither the encoder nor the target moves
    assert all(torch.equal(v, start[k]) for k, v in model.target_generator.encoder.state_dict().items())
    assert all(torch.equal(v, start[k]) for k, v in model.backbone.state_dict().items())
    run_steps(model, optim, 1, x)  # the optimizer steps, then the update with the momentum of iteration 1
    reference = copy.deepcopy(model.backbone)
    reference.load_state_dict(start)
    official_ema_(reference, model.backbone, 0.996 + 1 * 0.004 / 4)
    for a, b in zip(model.target_generator.encoder.parameters(), reference.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


def test_target_ema_hook_updates_wrapped_models_before_the_other_hooks(monkeypatch):
    """TargetEMAHook makes the update of a wrapped model (whose own train step does not) after the
    optimizer step, before the checkpoint hooks, the NaN guard and the collapse monitor; once."""
    from types import SimpleNamespace

    from mmengine.hooks import CheckpointHook
    from mmengine.optim import OptimWrapper
    from mmengine.runner.priority import get_priority

    import mmjepa.engine.hooks.target_ema as target_ema
    from mmjepa.engine.hooks import CollapseMonitorHook, NonFiniteLossHook, TargetEMAHook
    torch.manual_seed(0)
    model = tiny_ijepa()
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-2))
    wrapped = SimpleNamespace(module=model)  # a stand-in for MMDistributedDataParallel
    monkeypatch.setattr(target_ema, 'is_model_wrapper', lambda m: m is wrapped)
    runner = SimpleNamespace(model=wrapped, optim_wrapper=optim)
    optim.update_params(model.loss(torch.randn(2, 3, 32, 32), None)['loss'])  # what a wrapper's train step does
    expected = copy.deepcopy(model.target_generator.encoder)
    official_ema_(expected, model.backbone, 0.996)
    hook = TargetEMAHook()
    hook.after_train_iter(runner, 0)
    hook.after_train_iter(runner, 0)
    for a, b in zip(model.target_generator.encoder.parameters(), expected.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    ours = get_priority(hook.priority)  # lower runs first
    assert all(ours < get_priority(h.priority) for h in (CheckpointHook, NonFiniteLossHook, CollapseMonitorHook))


def official_lr(step, warmup, total, ref=1e-3, start_factor=0.2, final=1e-6):
    start = start_factor * ref
    if step < warmup:
        return start + step * (ref - start) / warmup
    progress = (step - warmup) / (total - warmup)
    return final + (ref - final) * 0.5 * (1 + math.cos(math.pi * progress))


def official_wd(step, total, ref=0.04, final=0.4):
    return final + (ref - final) * 0.5 * (1 + math.cos(math.pi * step / total))


def build_schedulers(config, **overrides):
    """The optimizer wrapper (AdamW, fp32) and the iteration-based param schedulers of ``config`` with 3
    iterations per epoch."""
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(config)
    cfg.optim_wrapper.type = 'OptimWrapper'
    cfg.optim_wrapper.pop('dtype', None)
    model = tiny_ijepa()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    schedulers = []
    for sched in copy.deepcopy(cfg.param_scheduler):
        sched.pop('convert_to_iter_based')
        cls = PARAM_SCHEDULERS.get(sched.pop('type'))
        schedulers.append(cls.build_iter_from_epoch(wrapper.optimizer, epoch_length=3, **sched, **overrides))
    return cfg, model, wrapper, schedulers


@pytest.mark.parametrize('config', [
    DEMO, 'configs/ijepa/ijepa_vit-base-p16_8xb256-amp-600e_in1k.py',
    'configs/ijepa/ijepa_vit-huge-p14_16xb128-amp-300e_in1k.py'])
def test_lr_and_weight_decay_schedules_match_the_official_formulas(config):
    """Iteration ``i`` runs at the official schedulers' step ``i + 1`` (they step before each iteration)."""
    cfg, model, wrapper, schedulers = build_schedulers(config)
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
    total = epochs * ipe
    for it in range(total):
        expect = official_lr(it + 1, warmup, total, ref=cfg.optim_wrapper.optimizer.lr)
        assert groups[0]['lr'] == pytest.approx(expect, rel=1e-12, abs=1e-15), it
        assert decayed[0]['weight_decay'] == pytest.approx(official_wd(it + 1, total), rel=1e-12), it
        assert all(g['weight_decay'] == 0 for g in groups if all(g is not d for d in decayed))
        wrapper.optimizer.step()
        for s in schedulers:
            s.step()
    assert groups[0]['lr'] == pytest.approx(1e-6) and decayed[0]['weight_decay'] == pytest.approx(0.4)


def test_mmengine_timing_runs_one_iteration_behind():
    cfg, _, wrapper, schedulers = build_schedulers(DEMO, timing='mmengine')
    groups = wrapper.optimizer.param_groups
    decayed = [g for g in groups if g['weight_decay'] > 0]
    total, warmup = cfg.train_cfg.max_epochs * 3, cfg.param_scheduler[0]['warmup'] * 3
    for it in range(total):
        assert groups[0]['lr'] == pytest.approx(official_lr(it, warmup, total, ref=2.5e-4), rel=1e-12), it
        assert decayed[0]['weight_decay'] == pytest.approx(official_wd(it, total), rel=1e-12), it
        wrapper.optimizer.step()
        for s in schedulers:
            s.step()
    with pytest.raises(ValueError, match='timing'):
        build_schedulers(DEMO, timing='late')


def test_compile_networks_keeps_the_loss():
    """IJEPA.compile_networks (dynamo with the eager backend: graph capture without code generation) gives the
    eager losses over steps whose masks keep different token counts."""
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(DEMO).model
    cfg.backbone.arch = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
    cfg.predictor.update(predictor_dims=32, depth=2)
    cfg.target_generator.total_steps = 10
    torch.manual_seed(0)
    eager = MODELS.build(cfg)
    eager.init_weights()
    compiled = copy.deepcopy(eager)
    compiled.compile_networks(backend='eager')
    x = torch.randn(2, 3, 64, 64)
    for _ in range(3):
        expected, got = eager.loss(x, None)['loss'], compiled.loss(x, None)['loss']
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)
        eager.update_target(), compiled.update_target()
    assert 'loss' not in vars(compiled) and 'forward_tokens' in vars(compiled.backbone)  # loss itself stays eager


def masks_on(model, monkeypatch, rank, world_size, batch_size, step):
    import mmjepa.models.algorithms.base as base
    monkeypatch.setattr(base, 'get_dist_info', lambda: (rank, world_size))
    model._step = step
    masks = model.sample_masks(batch_size, 'cpu')
    return masks.context, masks.targets


def test_per_rank_mask_draw_truncates_per_gpu_like_the_official_collator(monkeypatch):
    """16 ranks x 128 on a 14x14 grid (the official ViT-H/14 setting): with ``mask_draw='per_rank'`` every rank
    keeps the shortest context of its own batch, so more patches than the global draw's shortest of 2048;
    the block sizes are the step's, shared by all ranks and equal to the global draw's."""
    kwargs = dict(backbone=dict(type='JEPAViT', arch='tiny', img_size=224, patch_size=16),
                  mask_sampler=dict(type='MultiBlockMaskSampler'))
    glob, per_rank = tiny_ijepa(**kwargs), tiny_ijepa(mask_draw='per_rank', **kwargs)
    kept_global, kept_per_rank = [], []
    for step in range(12):
        context, target = masks_on(glob, monkeypatch, 0, 16, 128, step)
        kept_global.append(context.shape[1])
        contexts = []
        for rank in range(16):
            c, t = masks_on(per_rank, monkeypatch, rank, 16, 128, step)
            assert c.shape[0] == 128 and t.shape[:2] == (4, 128)
            assert t.shape[2] == target.shape[2]  # the step's target size, on every rank
            contexts.append(c)
            kept_per_rank.append(c.shape[1])
        assert not torch.equal(contexts[0][:, :10], contexts[1][:, :10])  # each rank draws its own positions
        again, _ = masks_on(per_rank, monkeypatch, 1, 16, 128, step)
        assert torch.equal(again, contexts[1])  # seeded by (mask_seed, step, rank): a resume redraws them
    mean_global, mean_per_rank = sum(kept_global) / 12, sum(kept_per_rank) / (12 * 16)
    assert mean_per_rank > mean_global + 3, (mean_per_rank, mean_global)
    with pytest.raises(ValueError, match='mask_draw'):
        tiny_ijepa(mask_draw='per_gpu')
