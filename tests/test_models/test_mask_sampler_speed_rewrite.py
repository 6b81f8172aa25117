# Copyright (c) mmjepa contributors. All rights reserved.
"""The numpy/bit-mask MultiBlockMaskSampler draws exactly what the first, torch-vectorised version drew
(kept here as the reference), for the same generator: same sizes, same corners, same fallbacks."""
import pytest
import torch

from mmjepa.models import MultiBlockMaskSampler



def draw(sampler, *args, **kwargs):
    """``(context, targets)`` of one draw of ``sampler``."""
    masks = sampler(*args, **kwargs)
    return masks.context, masks.targets

def reference_draw(s: MultiBlockMaskSampler, batch_size: int, generator: torch.Generator):
    """The sampler's first implementation (torch, boolean masks), same random calls in the same order."""
    def corners(h, w, shape):
        extra = 0 if s.placement == 'official' else 1
        top = torch.randint(0, s.height - h + extra, shape, generator=generator)
        left = torch.randint(0, s.width - w + extra, shape, generator=generator)
        return top, left

    def block_masks(top, left, h, w):
        rows, cols = torch.arange(s.height), torch.arange(s.width)
        in_rows = (rows >= top.unsqueeze(-1)) & (rows < (top + h).unsqueeze(-1))
        in_cols = (cols >= left.unsqueeze(-1)) & (cols < (left + w).unsqueeze(-1))
        return (in_rows.unsqueeze(-1) & in_cols.unsqueeze(-2)).flatten(-2)

    u_target, u_context = torch.rand(2, generator=generator).tolist()
    th, tw = s.block_size(u_target, s.target_scale, s.target_aspect_ratio)
    ch, cw = s.block_size(u_context, s.context_scale, s.context_aspect_ratio)
    top, left = corners(th, tw, (s.num_targets, batch_size))
    offsets = (torch.arange(th).unsqueeze(1) * s.width + torch.arange(tw)).flatten()
    target_idx = ((top * s.width + left).unsqueeze(-1) + offsets).long()
    target_masks = block_masks(top, left, th, tw)
    top, left = corners(ch, cw, (batch_size, s.max_tries))
    candidates = block_masks(top, left, ch, cw)
    context = candidates[:, 0]
    if not s.allow_overlap:
        pending = torch.ones(batch_size, dtype=torch.bool)
        context = torch.zeros_like(context)
        for dropped in range(s.num_targets + 1):
            if dropped:
                top, left = corners(ch, cw, (batch_size, s.max_tries))
                candidates = block_masks(top, left, ch, cw)
            allowed = ~target_masks[:s.num_targets - dropped].any(0)
            masked = candidates & allowed.unsqueeze(1)
            valid = masked.sum(-1) > s.min_keep
            found = valid.any(1) & pending
            first = valid.to(torch.uint8).argmax(1)
            chosen = masked[torch.arange(batch_size), first]
            context[found] = chosen[found]
            pending &= ~found
            if not pending.any():
                break
    keep = int(context.sum(-1).min())
    context_idx = torch.argsort((~context).to(torch.uint8), dim=-1, stable=True)[:, :keep]
    return context_idx, target_idx


@pytest.mark.parametrize('kwargs', [
    dict(input_size=14),
    dict(input_size=16),
    dict(input_size=28),
    dict(input_size=14, allow_overlap=True),
    dict(input_size=14, placement='uniform'),
    dict(input_size=(12, 20), num_targets=3),
    dict(input_size=8, min_keep=4),
    # Targets covering most of the grid: the fallback (other candidates, dropped constraints) is exercised.
    dict(input_size=8, target_scale=(0.45, 0.5), target_aspect_ratio=(1., 1.), context_scale=(0.5, 0.5),
         min_keep=4),
])
def test_draws_match_the_reference_implementation(kwargs):
    sampler = MultiBlockMaskSampler(**kwargs)
    fast_gen, ref_gen = torch.Generator().manual_seed(11), torch.Generator().manual_seed(11)
    for batch_size in (1, 5, 64):
        for _ in range(5):
            ctx, tgt = draw(sampler, batch_size, fast_gen)
            ref_ctx, ref_tgt = reference_draw(sampler, batch_size, ref_gen)
            assert ctx.dtype == tgt.dtype == torch.int64
            assert torch.equal(ctx, ref_ctx) and torch.equal(tgt, ref_tgt)
