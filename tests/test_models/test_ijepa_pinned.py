# Copyright (c) mmjepa contributors. All rights reserved.
"""Pins the I-JEPA loss on fixed weights and a fixed input, so that changes to the shared parts (target
generator, encoder, predictor, mask sampler, loss) provably leave the I-JEPA path as it is.

The numbers were computed once on the code before DMT-JEPA and EC-IJEPA were added (commit d719d57). If
this test fails, the I-JEPA computation changed: find out why before touching the numbers.
"""
import pytest
import torch
from mmpretrain.registry import MODELS

import mmjepa  # noqa: F401

PINNED_LOSS_STEP0 = 0.5013284087181091  # target = copy of the encoder
PINNED_LOSS_STEP1 = 0.4982236325740814  # after one EMA update (momentum 0.996) towards changed weights


def fixed_(module_pairs):
    """Overwrite every trainable parameter with a deterministic function of its position (no RNG)."""
    with torch.no_grad():
        params = []
        for module in module_pairs:
            params += sorted(module.named_parameters())
        for i, (name, p) in enumerate(params):
            if name == 'pos_embed':  # the fixed sin-cos table, set by init_weights
                continue
            vals = torch.sin(torch.arange(p.numel(), dtype=torch.float64) * 0.7 + i).float()
            vals = 1.0 + 0.1 * vals if name.endswith(('ln1.weight', 'ln2.weight')) else 0.05 * vals
            p.copy_(vals.reshape(p.shape))


def test_ijepa_loss_is_pinned():
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='IJEPA', backbone=dict(type='JEPAViT', arch='tiny', img_size=32, patch_size=8),
        predictor=dict(type='JEPAPredictor', predictor_dims=48, depth=2),
        mask_sampler=dict(type='MultiBlockMaskSampler', target_scale=(0.15, 0.2), min_keep=1),
        target_generator=dict(type='EMATargetGenerator', total_steps=100)))
    model.init_weights()
    fixed_([model.backbone, model.predictor])
    model.target_generator.sync(model.backbone)
    x = torch.sin(torch.arange(2 * 3 * 32 * 32, dtype=torch.float64) * 0.01).float().reshape(2, 3, 32, 32)
    with torch.no_grad():
        loss0 = model.loss(x, None)['loss']
        for p in model.backbone.parameters():  # the "optimizer step", then the EMA update after it
            if p.requires_grad:
                p.mul_(1.1)
        assert model.update_target()
        loss1 = model.loss(x, None)['loss']
    assert float(loss0) == pytest.approx(PINNED_LOSS_STEP0, abs=1e-6)
    assert float(loss1) == pytest.approx(PINNED_LOSS_STEP1, abs=1e-6)
