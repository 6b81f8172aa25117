# Copyright (c) mmjepa contributors. All rights reserved.
import torch
import pytest

from mmjepa.models import MultiBlockMaskSampler



def draw(sampler, *args, **kwargs):
    """``(context, targets)`` of one draw of ``sampler``."""
    masks = sampler(*args, **kwargs)
    return masks.context, masks.targets

def block_shape(idx, width):
    """(h, w, top, left) of a rectangular block given its sorted flat indices."""
    rows, cols = idx // width, idx % width
    h, w = int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)
    assert h * w == len(idx), 'not a full rectangle'
    return h, w, int(rows.min()), int(cols.min())


def draw_shapes(sampler, draws=300, batch_size=4):
    gen = torch.Generator().manual_seed(0)
    targets, contexts = set(), set()
    for _ in range(draws):
        ctx, tgt = draw(sampler, batch_size, gen)
        for t in tgt.flatten(0, 1):
            targets.add(block_shape(t, sampler.width)[:2])
        contexts.add(tuple(ctx.shape))
    return targets, contexts


def test_target_block_sizes_14x14():
    targets, _ = draw_shapes(MultiBlockMaskSampler(input_size=14))
    # Reference (official collator, simulated): 5x6, 6x5, 6x6, 7x5, 8x5.
    assert targets == {(5, 6), (6, 5), (6, 6), (7, 5), (8, 5)}


def test_target_block_sizes_16x16():
    targets, _ = draw_shapes(MultiBlockMaskSampler(input_size=16))
    hs, ws = zip(*targets)
    # Reference: 5x7 ... 9x6 (aspect ratio grows with the scale because one uniform drives both).
    assert min(targets) == (5, 7) and max(targets) == (9, 6)
    assert all(5 <= h <= 9 and 6 <= w <= 7 for h, w in targets)


def test_block_size_uses_one_uniform_for_scale_and_ratio():
    s = MultiBlockMaskSampler(input_size=14)
    assert s.block_size(0., s.target_scale, s.target_aspect_ratio) == (5, 6)   # 29 patches, ratio 0.75
    assert s.block_size(1., s.target_scale, s.target_aspect_ratio) == (8, 5)   # 39 patches, ratio 1.5


def test_context_block_is_13x13_at_origin_for_224_16():
    sampler = MultiBlockMaskSampler(input_size=14, allow_overlap=True)
    gen = torch.Generator().manual_seed(1)
    for _ in range(50):
        ctx, _ = draw(sampler, 8, gen)
        for c in ctx:
            assert block_shape(c, 14) == (13, 13, 0, 0)


def test_context_never_overlaps_targets_and_lengths_are_truncated():
    sampler = MultiBlockMaskSampler(input_size=14)
    gen = torch.Generator().manual_seed(2)
    for _ in range(50):
        ctx, tgt = draw(sampler, 16, gen)
        assert ctx.shape[0] == 16 and tgt.shape[:2] == (4, 16)
        assert ctx.shape[1] > sampler.min_keep
        for b in range(16):
            c = set(ctx[b].tolist())
            assert len(c) == ctx.shape[1]
            assert ctx[b].tolist() == sorted(c)
            for t in range(4):
                assert not c & set(tgt[t, b].tolist())


def test_official_placement_never_touches_last_row_or_column():
    gen = torch.Generator().manual_seed(3)
    official = MultiBlockMaskSampler(input_size=14)
    uniform = MultiBlockMaskSampler(input_size=14, placement='uniform')
    last = lambda idx: bool(((idx // 14) == 13).any() or ((idx % 14) == 13).any())  # noqa: E731
    seen_official = seen_uniform = False
    for _ in range(100):
        _, tgt = draw(official, 8, gen)
        seen_official |= any(last(t) for t in tgt.flatten(0, 1))
        _, tgt = draw(uniform, 8, gen)
        seen_uniform |= any(last(t) for t in tgt.flatten(0, 1))
    assert not seen_official and seen_uniform


def test_seeded_draws_repeat():
    sampler = MultiBlockMaskSampler(input_size=14)
    a = draw(sampler, 8, torch.Generator().manual_seed(7))
    b = draw(sampler, 8, torch.Generator().manual_seed(7))
    c = draw(sampler, 8, torch.Generator().manual_seed(8))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not all(x.shape == y.shape and torch.equal(x, y) for x, y in zip(a, c))


def test_heavy_targets_fall_back_like_the_official_collator():
    # Targets covering most of the grid leave no valid context: constraints are dropped one by one.
    sampler = MultiBlockMaskSampler(input_size=8, target_scale=(0.45, 0.5), target_aspect_ratio=(1., 1.),
                                    context_scale=(0.5, 0.5), min_keep=4)
    ctx, tgt = draw(sampler, 8, torch.Generator().manual_seed(0))
    assert ctx.shape[1] > 4


@pytest.mark.parametrize('kwargs, key', [
    (dict(target_scale=(0.0, 0.2)), 'target_scale'),
    (dict(context_scale=(0.9, 1.2)), 'context_scale'),
    (dict(target_scale=(0.3, 0.2)), 'target_scale'),
    (dict(input_size=8), 'min_keep'),
    (dict(placement='random'), 'placement'),
])
def test_impossible_settings_fail_at_build_time(kwargs, key):
    with pytest.raises(ValueError, match=key):
        MultiBlockMaskSampler(**kwargs)
