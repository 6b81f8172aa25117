# Copyright (c) mmjepa contributors. All rights reserved.
"""Pins a short I-JEPA training run (train_step, the recipe's AdamW groups and schedulers) and checks it
against an independent loop written the official code's way: the lr and weight-decay schedulers step
*before* each iteration (iteration i runs at step i + 1), the EMA update with the momentum generator's next
value right after each optimizer step.

Before the schedules moved to the official timing, this run gave ``MMENGINE_TIMING_LOSSES`` (still
available with ``timing='mmengine'``); its EMA target also lacked the update after the last step.
"""
import copy
import math

import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from mmjepa.engine.schedulers import CosineWeightDecay, WarmupCosineLR

STEPS, WARMUP, LR, WD = 6, 2, 1e-3, 0.04
# Recorded from this run and verified by the independent loop below (they agree within 3e-8).
PINNED_LOSSES = [0.46557125, 0.46615314, 0.43836388, 0.42654580, 0.40967256, 0.41651869]
# The same run with timing='mmengine' (the timing before the fix): from step 1 on, 1.9 % to 3.8 % higher.
MMENGINE_TIMING_LOSSES = [0.46557125, 0.47509778, 0.45481855, 0.43990546, 0.41587001, 0.41555020]


def official_lr(step):
    start = 0.2 * LR
    if step < WARMUP:
        return start + step * (LR - start) / WARMUP
    return 1e-6 + (LR - 1e-6) * 0.5 * (1 + math.cos(math.pi * (step - WARMUP) / (STEPS - WARMUP)))


def official_wd(step):
    return 10 * WD + (WD - 10 * WD) * 0.5 * (1 + math.cos(math.pi * step / STEPS))


def build():
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='IJEPA', backbone=dict(type='JEPAViT', arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                                                              feedforward_channels=64), img_size=32, patch_size=8),
        predictor=dict(type='JEPAPredictor', predictor_dims=32, depth=1),
        mask_sampler=dict(type='MultiBlockMaskSampler', target_scale=(0.15, 0.2), min_keep=1),
        data_preprocessor=dict(type='SelfSupDataPreprocessor'), 
        target_generator=dict(type='EMATargetGenerator', total_steps=STEPS)))
    model.init_weights()
    return model


def images():
    g = torch.Generator().manual_seed(1)
    return [torch.randn(4, 3, 32, 32, generator=g) for _ in range(STEPS)]


def mmjepa_run(model, timing='official'):
    """The Runner's order: train_step (the EMA update right after the optimizer step), then the schedulers."""
    wrapper = build_optim_wrapper(model, dict(
        type='OptimWrapper', optimizer=dict(type='AdamW', lr=LR, weight_decay=WD),
        paramwise_cfg=dict(bias_decay_mult=0., norm_decay_mult=0., flat_decay_mult=0.)))
    schedulers = [WarmupCosineLR(wrapper, start_factor=0.2, warmup=WARMUP, eta_min=1e-6, begin=0, end=STEPS,
                                 by_epoch=False, timing=timing),
                  CosineWeightDecay(wrapper, eta_min_ratio=10., begin=0, end=STEPS, by_epoch=False, timing=timing)]
    losses = []
    for x in images():
        out = model.train_step(dict(inputs=x, data_samples=[DataSample() for _ in x]), wrapper)
        losses.append(float(out['loss']))
        for s in schedulers:
            s.step()
    return losses


def official_run(model):
    """helper.init_opt's groups (no decay on biases and 1-D parameters), then train.py's loop."""
    trained = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    optim = torch.optim.AdamW([
        dict(params=[p for n, p in trained if 'bias' not in n and p.ndim != 1]),
        dict(params=[p for n, p in trained if 'bias' in n or p.ndim == 1], WD_exclude=True, weight_decay=0)])
    momenta = (0.996 + i * (1.0 - 0.996) / STEPS for i in range(STEPS + 1))
    step, losses = 0, []
    for x in images():
        step += 1  # scheduler.step(), wd_scheduler.step(): before the iteration
        for group in optim.param_groups:
            group['lr'] = official_lr(step)
            if not group.get('WD_exclude'):
                group['weight_decay'] = official_wd(step)
        loss = model.loss(x, None)['loss']
        model.skip_target_update()  # the EMA is made below, by hand
        loss.backward()
        optim.step()
        optim.zero_grad()
        m = next(momenta)
        with torch.no_grad():
            for q, k in zip(model.backbone.parameters(), model.target_generator.encoder.parameters()):
                k.mul_(m).add_((1. - m) * q.detach())
        losses.append(float(loss))
    return losses


def test_training_run_matches_the_official_loop_and_is_pinned():
    model = build()
    reference = copy.deepcopy(model)
    ours, official = mmjepa_run(model), official_run(reference)
    torch.testing.assert_close(torch.tensor(ours), torch.tensor(official), rtol=0, atol=2e-6)
    for key, value in reference.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value, rtol=0, atol=2e-6, msg=key)
    assert ours == pytest.approx(PINNED_LOSSES, abs=1e-6)


def test_mmengine_timing_gives_the_earlier_losses():
    losses = mmjepa_run(build(), timing='mmengine')
    assert losses == pytest.approx(MMENGINE_TIMING_LOSSES, abs=1e-6)
    assert abs(losses[2] - PINNED_LOSSES[2]) > 0.01


def ecg_cosine(step, total, start, final, warmup=0, warmup_start=0.):
    """The official ECG-JEPA ``cosine_schedule`` value at step ``step`` (kweimann/ECG-JEPA utils/schedules.py)."""
    if step < warmup:
        return warmup_start + (start - warmup_start) * step / warmup
    ratio = (step - warmup) / max(1, total - warmup - 1)
    return final + 0.5 * (1. + math.cos(math.pi * ratio)) * (start - final)


@pytest.mark.parametrize('accumulative_counts', [1, 2])
def test_ecgjepa_timing_is_the_official_cosine_schedule(accumulative_counts):
    """timing='ecgjepa': iteration i at step i, the cosine over T - W - 1 steps; with gradient accumulation k the
    schedule runs on optimizer steps (iteration i at step i // k), begin / end / warmup staying in iterations."""
    steps, warmup, k = 10, 3, accumulative_counts
    param = torch.nn.Parameter(torch.zeros(1))
    optim = torch.optim.AdamW([param], lr=1e-3, weight_decay=0.01)
    lr = WarmupCosineLR(optim, start_factor=1e-3, warmup=warmup * k, eta_min=1e-6, timing='ecgjepa',
                        accumulative_counts=k, by_epoch=False, begin=0, end=steps * k)
    wd = CosineWeightDecay(optim, eta_min_ratio=10., timing='ecgjepa', accumulative_counts=k, by_epoch=False,
                           begin=0, end=steps * k)
    seen = []
    for _ in range(steps * k):
        seen.append((optim.param_groups[0]['lr'], optim.param_groups[0]['weight_decay']))
        lr.step()
        wd.step()
    expected = [(ecg_cosine(i // k, steps, 1e-3, 1e-6, warmup, 1e-6), ecg_cosine(i // k, steps, 0.01, 0.1))
                for i in range(steps * k)]
    assert [v for pair in seen for v in pair] == pytest.approx([v for pair in expected for v in pair], rel=1e-12)
    assert seen[-1][0] == pytest.approx(1e-6)  # the last step runs at the final value


def test_ema_next_forward_updates_at_the_start_of_every_forward():
    """update_at='next_forward' (ECG-JEPA): forward f first moves the target with momentum m(f), f counting
    forwards (under accumulation too); nothing is left due after the optimizer step."""
    from mmjepa.models.target_generators import EMATargetGenerator
    online = torch.nn.Linear(2, 2)
    ema = EMATargetGenerator(online, momentum=(0.5, 0.9), total_steps=4, update_at='next_forward')
    target = ema.encoder.weight.detach().clone()
    for f in range(3):
        with torch.no_grad():
            online.weight.add_(1.)
        ema.begin_step(dict(encoder=online), f)
        m = 0.5 + f * (0.9 - 0.5) / 4
        target = m * target + (1 - m) * online.weight.detach()
        torch.testing.assert_close(ema.encoder.weight, target)
        ema.end_step(f)
        assert not ema.update_due and not ema.update_target(dict(encoder=online))
    with pytest.raises(ValueError, match='update_at'):
        EMATargetGenerator(online, update_at='later')
