# Copyright (c) mmjepa contributors. All rights reserved.
"""Mask groups (``model.mask_group_size``): the official per-GPU draw at any number of processes, and mask options
a sampler cannot honour are refused. The distributed training equivalence with groups is in
``tests/test_fault_injection/test_dist_equivalence.py``."""
import os.path as osp
import sys

import pytest
import torch
from mmpretrain.registry import MODELS

import mmjepa  # noqa: F401
import mmjepa.models.algorithms.base as base

sys.path.insert(0, osp.dirname(__file__))
from test_family_core import tiny_ecgjepa, tiny_sarjepa  # noqa: E402
from test_ijepa import tiny_ijepa  # noqa: E402


def on_rank(monkeypatch, rank: int, world_size: int):
    monkeypatch.setattr(base, 'get_dist_info', lambda: (rank, world_size))


def masks_per_global_sample(model, monkeypatch, global_batch: int, world_size: int, step: int) -> dict:
    """{global position: (context, targets, group loss weight)} as the ranks of ``world_size`` draw them."""
    model._step = step
    out = {}
    for rank in range(world_size):
        on_rank(monkeypatch, rank, world_size)
        local = global_batch // world_size
        for index, weight, masks in model.mask_groups(torch.empty(local, 0)):
            index = torch.arange(local) if index is None else index
            for i, sample in enumerate(index.tolist()):
                one = masks.select(slice(i, i + 1))
                out[sample * world_size + rank] = (one.context, one.targets, weight)
    assert sorted(out) == list(range(global_batch))
    return out


@pytest.mark.parametrize('make', [tiny_ijepa, tiny_sarjepa, tiny_ecgjepa])
def test_every_sample_gets_the_same_masks_whatever_the_number_of_processes(make, monkeypatch):
    """Global batch 8 in groups of 2 (4 groups) on 1, 2, 4 and 8 processes: the same masks per sample, and the
    loss weights of a rank sum to 1 (so the mean over the ranks is the mean over the groups)."""
    model = make(mask_group_size=2)
    for step in range(3):
        one = masks_per_global_sample(model, monkeypatch, 8, 1, step)
        for world_size in (2, 4, 8):
            many = masks_per_global_sample(model, monkeypatch, 8, world_size, step)
            for sample, (context, targets, _) in one.items():
                assert torch.equal(many[sample][0], context) and torch.equal(many[sample][1], targets)
        for world_size in (1, 2, 4, 8):
            for rank in range(world_size):
                on_rank(monkeypatch, rank, world_size)
                assert sum(w for _, w, _ in model.mask_groups(torch.empty(8 // world_size, 0))) == pytest.approx(1)


def test_groups_are_official_per_gpu_draws(monkeypatch):
    """Each group truncates to its own shortest context (more kept than the global batch's shortest), shares
    the step's block sizes and draws its own positions; group 0 is the global draw of its samples."""
    kwargs = dict(backbone=dict(type='JEPAViT', arch='tiny', img_size=224, patch_size=14),
                  mask_sampler=dict(type='MultiBlockMaskSampler'))
    grouped, glob = tiny_ijepa(mask_group_size=64, **kwargs), tiny_ijepa(**kwargs)
    on_rank(monkeypatch, 0, 1)
    kept_grouped, kept_global = [], []
    for step in range(6):
        grouped._step = glob._step = step
        parts = grouped.mask_groups(torch.empty(512, 0))
        assert len(parts) == 8 and all(w == 1 / 8 for _, w, _ in parts)
        assert torch.equal(parts[1][0], torch.arange(1, 512, 8))  # group g: global positions g, g + 8, ...
        whole = glob.sample_masks(512, 'cpu')
        first = glob.mask_sampler(64, glob.mask_generators()[0])
        assert torch.equal(parts[0][2].context, first.context)  # group 0 = the global draw of 64 samples
        assert {p[2].targets.shape for p in parts} == {whole.targets.shape[:1] + (64, ) + whole.targets.shape[2:]}
        assert not torch.equal(parts[1][2].targets, parts[2][2].targets)
        kept_grouped += [p[2].context.shape[1] for p in parts]
        kept_global.append(whole.context.shape[1])
    assert sum(kept_grouped) / len(kept_grouped) > sum(kept_global) / len(kept_global) + 3


def test_one_group_is_the_global_draw_bit_for_bit():
    x = torch.sin(torch.arange(4 * 3 * 32 * 32) * 0.01).reshape(4, 3, 32, 32)
    losses = []
    for group_size in (None, 4, 128):
        torch.manual_seed(0)
        model = tiny_ijepa(mask_group_size=group_size)
        losses.append(model.loss(x, None)['loss'].item())
    assert losses[0] == losses[1] == losses[2]


def test_grouped_loss_is_the_mean_of_the_groups_losses():
    x = torch.sin(torch.arange(4 * 3 * 32 * 32) * 0.01).reshape(4, 3, 32, 32)
    model = tiny_ijepa(mask_group_size=2)
    loss = model.loss(x, None)['loss']
    model._step = 0
    by_group = []
    for group in range(2):
        masks = model.mask_sampler(2, *model.mask_generators(group)[:1],
                                   position_generator=model.mask_generators(group)[1])
        part = x[group::2]
        by_group.append(model.compute_loss(model.predict_targets(part, masks), model.compute_targets(part, masks),
                                           masks))
    torch.testing.assert_close(loss, (by_group[0] + by_group[1]) / 2, rtol=1e-6, atol=0)


def test_per_rank_draw_is_honoured_by_local_windows(monkeypatch):
    """``mask_draw='per_rank'`` on SAR-JEPA: each rank draws its own windows (before, every rank drew the same)."""
    model = tiny_sarjepa(mask_draw='per_rank')
    windows = []
    for rank in range(2):
        on_rank(monkeypatch, rank, 2)
        windows.append(model.sample_masks(4, 'cpu').context)
    assert not torch.equal(windows[0], windows[1])
    model = tiny_ecgjepa(mask_draw='per_rank')
    contexts = []
    for rank in range(2):
        on_rank(monkeypatch, rank, 2)
        contexts.append(model.sample_masks(4, 'cpu').context)
    assert contexts[0].shape == contexts[1].shape and not torch.equal(contexts[0], contexts[1])


@MODELS.register_module(force=True)
class _SharedOnlyMaskSampler:
    """A sampler with no position generator (for the test below)."""

    def __init__(self, input_size):
        self.input_size = input_size

    def __call__(self, batch_size, generator=None):
        raise AssertionError('never drawn')


def test_options_a_sampler_cannot_honour_are_refused():
    with pytest.raises(ValueError, match="mask_draw='per_rank'.*position_generator"):
        tiny_ijepa(mask_draw='per_rank', mask_sampler=dict(type='_SharedOnlyMaskSampler'))
    with pytest.raises(ValueError, match='mask_group_size=8.*position_generator'):
        tiny_ijepa(mask_group_size=8, mask_sampler=dict(type='_SharedOnlyMaskSampler'))
    with pytest.raises(ValueError, match='mask_group_size.*mask_draw'):
        tiny_ijepa(mask_group_size=8, mask_draw='per_rank')
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match='mask_group_size'):
            tiny_ijepa(mask_group_size=bad)
