# Copyright (c) mmjepa contributors. All rights reserved.
"""Writes ``pinned_family.pt``: loss, predictions and gradients of I-JEPA, DMT-JEPA and EC-IJEPA at fixed
weights, inputs and mask seeds, for two steps (the second after an optimizer step and an EMA update).

Run it only when a change of these numbers is intended (and say why in the commit): the file pins the
three algorithms across refactors of the shared parts (``tests/test_models/test_family_pinned.py``).
The committed file was written on commit 85eafcc, before the family core (BaseJEPA) refactor (the
momentum schedule's length was then ``model.ema_total_steps=10``; now the target generator's ``total_steps``).

    python tests/data/make_pinned_family.py
"""
import os.path as osp

import torch
from mmpretrain.registry import MODELS

import mmjepa  # noqa: F401

ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
ALGORITHMS = {
    'IJEPA': dict(target_generator=dict(type='EMATargetGenerator', total_steps=10)),
    'DMTJEPA': dict(target_generator=dict(type='DMTTargetGenerator', num_neighbours=4, total_steps=10)),
    'ECIJEPA': dict(target_generator=dict(type='EMATargetGenerator', total_steps=10)),
}


def build(name: str):
    torch.manual_seed(0)
    cfg = dict(type=name, backbone=dict(type='JEPAViT', arch=ARCH, img_size=48, patch_size=8),
               predictor=dict(type='JEPAPredictor', predictor_dims=16, depth=2),
               mask_sampler=dict(type='MultiBlockMaskSampler', min_keep=2), mask_seed=3,
               **ALGORITHMS[name])
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def inputs() -> torch.Tensor:
    return torch.sin(torch.arange(2 * 3 * 48 * 48, dtype=torch.float64) * 0.013).float().reshape(2, 3, 48, 48)


def run(model) -> dict:
    """Two steps: loss + backward, SGD step (lr 0.1), EMA update; the numbers of both."""
    out = {}
    x = inputs()
    for step in range(2):
        model.zero_grad()
        loss = model.loss(x, None)['loss']
        loss.backward()
        out[f'loss{step}'] = loss.detach().clone()
        out[f'grads{step}'] = {n: p.grad.detach().clone() for n, p in model.named_parameters()
                               if p.grad is not None}
        with torch.no_grad():
            for p in model.parameters():
                if p.grad is not None:
                    p.sub_(0.1 * p.grad)
        assert model.update_target()
    out['state'] = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return out


if __name__ == '__main__':
    pinned = {name: run(build(name)) for name in ALGORITHMS}
    path = osp.join(osp.dirname(osp.abspath(__file__)), 'pinned_family.pt')
    torch.save(pinned, path)
    for name, out in pinned.items():
        print(name, float(out['loss0']), float(out['loss1']), len(out['grads0']), 'grads')
    print('wrote', path)
