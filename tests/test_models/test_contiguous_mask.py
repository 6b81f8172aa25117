# Copyright (c) mmjepa contributors. All rights reserved.
import random

import numpy as np
import pytest
import torch
from mmpretrain.registry import MODELS

from mmjepa.models import ContiguousRunMaskSampler
from mmjepa.models.mask_samplers.masks import Masks


def reference_mask(num_keep, n, min_run, rng):
    """Scalar restatement of the official ECG-JEPA collator's procedure (kweimann/ECG-JEPA data/masks.py):
    bool [n], True = masked."""
    intervals, todo = [(0, n)], n - num_keep
    while todo > 0:
        sizes = [e - s for s, e in intervals]
        k, j = rng.randrange(sum(sizes)), 0
        while k >= sizes[j]:
            k, j = k - sizes[j], j + 1
        s, e = intervals.pop(j)
        block = rng.randint(min_run, todo) if todo >= min_run else todo
        if e - s <= block:
            todo -= e - s
            continue
        if todo >= min_run:
            split = rng.randint(s, e - block)
        else:
            split = rng.choice([c for c, ok in ((s, s > 0), (e - block, e < n)) if ok])
        intervals += [(s, split), (split + block, e)]
        todo -= block
    masked = np.ones(n, bool)
    for s, e in intervals:
        masked[s:e] = False
    return masked


def masked_runs(masked):
    edges = np.diff(np.concatenate([[0], masked.astype(int), [0]]))
    return np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)


def to_masked(masks, n):
    masked = np.zeros((masks.context.shape[0], n), bool)
    np.put_along_axis(masked, masks.targets[0].numpy(), True, 1)
    return masked


def test_shapes_cover_and_disjoint():
    sampler = ContiguousRunMaskSampler()
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        masks = sampler(32, gen)
        assert isinstance(masks, Masks)
        ctx, tgt = masks.context, masks.targets
        assert ctx.dtype == tgt.dtype == torch.int64
        assert ctx.dim() == 2 and tgt.dim() == 3 and tgt.shape[:2] == (1, 32)
        assert ctx.shape[1] + tgt.shape[2] == 200 and 30 <= ctx.shape[1] <= 50
        assert bool((ctx.diff(dim=1) > 0).all()) and bool((tgt.diff(dim=2) > 0).all())  # sorted, unique
        union = torch.cat([ctx, tgt[0]], dim=1).sort(dim=1).values
        assert torch.equal(union, torch.arange(200).expand(32, 200))  # disjoint and covering


def test_keep_ratio_range_and_mean():
    sampler = ContiguousRunMaskSampler()
    gen = torch.Generator().manual_seed(1)
    ratios = np.array([sampler(2, gen).context.shape[1] / 200 for _ in range(2000)])
    assert ratios.min() >= 0.15 and ratios.max() <= 0.25
    # ceil(200 r) with r ~ U(0.15, 0.25): mean 0.2 + 0.5 / 200
    assert abs(ratios.mean() - 0.2025) < 0.002
    assert len(np.unique(ratios)) > 15  # the count really varies between batches


def test_every_masked_run_is_at_least_min_run():
    for n, min_run, keep in ((200, 10, (0.15, 0.25)), (50, 4, (0.1, 0.6)), (37, 7, (0.3, 0.5))):
        sampler = ContiguousRunMaskSampler(input_size=(n, ), keep_ratio=keep, min_run=min_run)
        gen = torch.Generator().manual_seed(2)
        shortest = min(masked_runs(m).min() for _ in range(50) for m in to_masked(sampler(64, gen), n))
        assert shortest >= min_run
        if n == 200:
            assert shortest == min_run  # the bound is reached, not just respected


def test_matches_official_procedure_in_distribution():
    """Same number of masked runs, longest run and per-position masking rate as the official procedure."""
    n, num_keep, count = 200, 40, 4000
    rng = random.Random(0)
    ref = np.stack([reference_mask(num_keep, n, 10, rng) for _ in range(count)])
    sampler = ContiguousRunMaskSampler()
    starts, ends = sampler.kept_intervals(n - num_keep, count, torch.Generator().manual_seed(0))
    tokens = np.arange(n)
    ours = ~((tokens >= starts[..., None]) & (tokens < ends[..., None])).any(1)
    assert ours.sum(1).tolist() == [n - num_keep] * count
    ref_runs, our_runs = [masked_runs(m) for m in ref], [masked_runs(m) for m in ours]
    assert abs(np.mean([len(r) for r in ref_runs]) - np.mean([len(r) for r in our_runs])) < 0.1  # ~2.7
    assert abs(np.mean([r.max() for r in ref_runs]) - np.mean([r.max() for r in our_runs])) < 3  # ~114
    assert np.abs(ref.mean(0) - ours.mean(0)).max() < 0.05  # ends ~0.22, middle ~0.92


def test_determinism_under_seed():
    sampler = ContiguousRunMaskSampler()
    a = sampler(16, torch.Generator().manual_seed(7))
    b = sampler(16, torch.Generator().manual_seed(7))
    c = sampler(16, torch.Generator().manual_seed(8))
    assert torch.equal(a.context, b.context) and torch.equal(a.targets, b.targets)
    assert a.targets.shape != c.targets.shape or not torch.equal(a.targets, c.targets)
    torch.manual_seed(3)
    d = sampler(16)
    torch.manual_seed(3)
    assert torch.equal(d.context, sampler(16).context)  # global RNG when no generator is given


def test_samples_differ_within_a_batch():
    masks = ContiguousRunMaskSampler()(64, torch.Generator().manual_seed(4))
    assert len({tuple(row) for row in masks.context.tolist()}) == 64


def test_build_from_registry_with_layout_default():
    sampler = MODELS.build(dict(type='ContiguousRunMaskSampler'), default_args=dict(input_size=(50, )))
    masks = sampler(4, torch.Generator().manual_seed(0))
    assert masks.context.shape[1] + masks.targets.shape[2] == 50


@pytest.mark.parametrize('kwargs, match', [
    (dict(input_size=(14, 14)), '1-D token layout'),
    (dict(input_size=(1, )), '1-D token layout'),
    (dict(keep_ratio=(0.3, 0.2)), 'keep_ratio'),
    (dict(keep_ratio=(0.0, 0.2)), 'keep_ratio'),
    (dict(keep_ratio=(0.2, 1.0)), 'keep_ratio'),
    (dict(min_run=0), 'min_run'),
    (dict(input_size=(20, ), min_run=16), 'min_run=16 is impossible'),
])
def test_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ContiguousRunMaskSampler(**kwargs)
