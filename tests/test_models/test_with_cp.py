# Copyright (c) mmjepa contributors. All rights reserved.
"""Activation checkpointing (JEPAViT ``with_cp``) changes memory, not results."""
import copy

import torch

from mmjepa.models import JEPAViT

ARCH = dict(embed_dims=32, num_layers=3, num_heads=2, feedforward_channels=64)


def test_with_cp_same_output_and_gradients():
    torch.manual_seed(0)
    plain = JEPAViT(arch=ARCH, img_size=32, patch_size=8, drop_path_rate=0.)
    plain.init_weights()
    ckpt = copy.deepcopy(plain)
    ckpt.with_cp = True
    images = torch.randn(3, 3, 32, 32)
    keep = torch.stack([torch.randperm(16)[:10].sort().values for _ in range(3)])
    outs = []
    for model in (plain, ckpt):
        model.train()
        out = model.forward_tokens(images, keep=keep)
        (out.square().mean() + out.sum() * 1e-3).backward()
        outs.append(out)
    assert torch.allclose(outs[0], outs[1], atol=1e-6, rtol=0)
    for (name, p), q in zip(plain.named_parameters(), ckpt.parameters()):
        if p.grad is None:
            assert q.grad is None, name
            continue
        assert torch.allclose(p.grad, q.grad, atol=1e-6, rtol=1e-5), name


def test_with_cp_builds_from_config_and_skips_no_grad():
    model = JEPAViT(arch=ARCH, img_size=32, patch_size=8, with_cp=True)
    assert model.with_cp
    with torch.no_grad():  # the EMA target encoder path: plain forward, no checkpoint
        out = model.forward_tokens(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 16, 32)


def test_predictor_with_cp_same_output_and_gradients():
    from mmjepa.models.mask_samplers.masks import Masks
    from mmjepa.models.predictors.jepa_predictor import JEPAPredictor
    from mmjepa.models.utils.layout import TokenLayout
    torch.manual_seed(0)
    plain = JEPAPredictor(embed_dims=32, num_heads=2, layout=TokenLayout((4, 4)), predictor_dims=16, depth=3,
                          drop_path_rate=0.)
    plain.init_weights()
    ckpt = copy.deepcopy(plain)
    ckpt.with_cp = True
    context = torch.randn(3, 10, 32)
    keep = torch.stack([torch.randperm(16)[:10].sort().values for _ in range(3)])
    targets = torch.stack([torch.stack([torch.randperm(16)[:4] for _ in range(3)]) for _ in range(2)])
    masks = Masks(context=keep, targets=targets)
    outs = []
    for model in (plain, ckpt):
        model.train()
        ctx = context.clone().requires_grad_(True)
        out = model(ctx, masks)
        (out.square().mean() + out.sum() * 1e-3).backward()
        outs.append((out, ctx.grad))
    assert outs[0][0].shape == (6, 4, 32)
    assert torch.allclose(outs[0][0], outs[1][0], atol=1e-6, rtol=0)
    assert torch.allclose(outs[0][1], outs[1][1], atol=1e-6, rtol=1e-5)
    for (name, p), q in zip(plain.named_parameters(), ckpt.parameters()):
        if p.grad is None:
            assert q.grad is None, name
            continue
        assert torch.allclose(p.grad, q.grad, atol=1e-6, rtol=1e-5), name
    with torch.no_grad():  # no gradients: plain forward
        assert torch.allclose(ckpt(context, masks), outs[0][0], atol=1e-6)
