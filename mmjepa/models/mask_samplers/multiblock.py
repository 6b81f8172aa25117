# Copyright (c) mmjepa contributors. All rights reserved.
"""I-JEPA's multi-block mask sampler, vectorised over the batch."""
import math
from typing import Optional, Sequence, Tuple

import torch
from mmpretrain.registry import MODELS
from mmengine.utils import to_2tuple

Range = Tuple[float, float]


def _check_range(name: str, value: Sequence[float], low: float, high: float) -> Range:
    if len(value) != 2 or not (low < value[0] <= value[1] <= high):
        raise ValueError(f'{name}={tuple(value)} must be (min, max) with {low} < min <= max <= {high}')
    return float(value[0]), float(value[1])


@MODELS.register_module()
class MultiBlockMaskSampler:
    """Context and target blocks of `I-JEPA <https://arxiv.org/abs/2301.08243>`_ on a patch grid.

    One draw per batch: a single uniform ``u`` sets both the scale and the aspect ratio of the target
    blocks (``s = s_min + u (s_max - s_min)``, same for the ratio), then another one the context block's;
    all images of the batch share these sizes. Each image gets ``num_targets`` target blocks and one context
    block from which every target is removed; a context block with ``min_keep`` patches or fewer is redrawn
    (20 tries, then the last target stops constraining it, as in the official code). Index lists are sorted
    and truncated to the shortest one in the batch.

    Args:
        input_size (int | tuple): Patch grid (rows, cols).
        num_targets (int): Target blocks per image. Defaults to 4.
        target_scale (tuple): Target block area as a fraction of the grid. Defaults to (0.15, 0.2).
        target_aspect_ratio (tuple): Target height/width ratio. Defaults to (0.75, 1.5).
        context_scale (tuple): Context block area fraction. Defaults to (0.85, 1.0).
        context_aspect_ratio (tuple): Defaults to (1.0, 1.0).
        min_keep (int): A block must keep more than this many patches. Defaults to 10.
        allow_overlap (bool): Let the context overlap the targets. Defaults to False.
        placement (str): ``'official'`` draws the top-left corner in ``[0, H-h)``, so no block ever touches
            the last row or column (the official collator's off-by-one, reproduced by default);
            ``'uniform'`` draws it in ``[0, H-h]``.
        max_tries (int): Context redraws before a target constraint is dropped. Defaults to 20.
    """

    def __init__(self,
                 input_size=(14, 14),
                 num_targets: int = 4,
                 target_scale: Sequence[float] = (0.15, 0.2),
                 target_aspect_ratio: Sequence[float] = (0.75, 1.5),
                 context_scale: Sequence[float] = (0.85, 1.0),
                 context_aspect_ratio: Sequence[float] = (1.0, 1.0),
                 min_keep: int = 10,
                 allow_overlap: bool = False,
                 placement: str = 'official',
                 max_tries: int = 20):
        self.height, self.width = to_2tuple(input_size)
        if self.height < 2 or self.width < 2:
            raise ValueError(f'input_size={input_size}: the patch grid must be at least 2x2')
        if num_targets < 1:
            raise ValueError(f'num_targets={num_targets} must be at least 1')
        if placement not in ('official', 'uniform'):
            raise ValueError(f"placement={placement!r} must be 'official' or 'uniform'")
        self.num_targets = num_targets
        self.target_scale = _check_range('target_scale', target_scale, 0., 1.)
        self.context_scale = _check_range('context_scale', context_scale, 0., 1.)
        self.target_aspect_ratio = _check_range('target_aspect_ratio', target_aspect_ratio, 0., math.inf)
        self.context_aspect_ratio = _check_range('context_aspect_ratio', context_aspect_ratio, 0., math.inf)
        self.min_keep = min_keep
        self.allow_overlap = allow_overlap
        self.placement = placement
        self.max_tries = max_tries
        for name, scale, ratio in (('target', self.target_scale, self.target_aspect_ratio),
                                   ('context', self.context_scale, self.context_aspect_ratio)):
            h, w = min((self.block_size(u, scale, ratio) for u in (0., 1.)), key=lambda hw: hw[0] * hw[1])
            if h * w <= min_keep:
                raise ValueError(f'min_keep={min_keep} is too large: the smallest {name} block on a '
                                 f'{self.height}x{self.width} grid is {h}x{w} = {h * w} patches; lower min_keep '
                                 f'or raise {name}_scale')

    @property
    def num_patches(self) -> int:
        return self.height * self.width

    def block_size(self, u: float, scale: Range, aspect_ratio: Range) -> Tuple[int, int]:
        """Block (h, w) for the uniform draw ``u``, as the official ``_sample_block_size``."""
        s = scale[0] + u * (scale[1] - scale[0])
        ratio = aspect_ratio[0] + u * (aspect_ratio[1] - aspect_ratio[0])
        max_keep = int(self.num_patches * s)
        h = int(round(math.sqrt(max_keep * ratio)))
        w = int(round(math.sqrt(max_keep / ratio)))
        return min(h, self.height - 1), min(w, self.width - 1)

    def _corners(self, h: int, w: int, shape, generator) -> Tuple[torch.Tensor, torch.Tensor]:
        extra = 0 if self.placement == 'official' else 1
        top = torch.randint(0, self.height - h + extra, shape, generator=generator)
        left = torch.randint(0, self.width - w + extra, shape, generator=generator)
        return top, left

    def _block_masks(self, top: torch.Tensor, left: torch.Tensor, h: int, w: int) -> torch.Tensor:
        """Boolean masks [..., H*W] of h x w blocks at the given corners."""
        rows = torch.arange(self.height)
        cols = torch.arange(self.width)
        in_rows = (rows >= top.unsqueeze(-1)) & (rows < (top + h).unsqueeze(-1))
        in_cols = (cols >= left.unsqueeze(-1)) & (cols < (left + w).unsqueeze(-1))
        return (in_rows.unsqueeze(-1) & in_cols.unsqueeze(-2)).flatten(-2)

    def __call__(self, batch_size: int, generator: Optional[torch.Generator] = None):
        """Draw the masks of one batch.

        Returns:
            tuple[Tensor, Tensor]: context indices ``[B, Kc]`` and target indices ``[T, B, Kt]`` (int64, flat
            raster patch indices, sorted within each block).
        """
        u_target, u_context = torch.rand(2, generator=generator).tolist()
        th, tw = self.block_size(u_target, self.target_scale, self.target_aspect_ratio)
        ch, cw = self.block_size(u_context, self.context_scale, self.context_aspect_ratio)

        # Targets: always entirely inside the grid, so each holds exactly th*tw patches in raster order.
        top, left = self._corners(th, tw, (self.num_targets, batch_size), generator)
        offsets = (torch.arange(th).unsqueeze(1) * self.width + torch.arange(tw)).flatten()
        target_idx = ((top * self.width + left).unsqueeze(-1) + offsets).long()
        target_masks = self._block_masks(top, left, th, tw)  # [T, B, N]

        # Context: max_tries candidates per image and per number of targets still constraining it.
        top, left = self._corners(ch, cw, (batch_size, self.max_tries), generator)
        candidates = self._block_masks(top, left, ch, cw)  # [B, tries, N]
        context = candidates[:, 0]
        if not self.allow_overlap:
            pending = torch.ones(batch_size, dtype=torch.bool)
            context = torch.zeros_like(context)
            for dropped in range(self.num_targets + 1):
                if dropped:  # rare: redraw for the images still without a valid context
                    top, left = self._corners(ch, cw, (batch_size, self.max_tries), generator)
                    candidates = self._block_masks(top, left, ch, cw)
                allowed = ~target_masks[:self.num_targets - dropped].any(0)  # [B, N]
                masked = candidates & allowed.unsqueeze(1)
                valid = masked.sum(-1) > self.min_keep  # [B, tries]
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

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={(self.height, self.width)}, num_targets={self.num_targets}, '
                f'target_scale={self.target_scale}, target_aspect_ratio={self.target_aspect_ratio}, '
                f'context_scale={self.context_scale}, min_keep={self.min_keep}, placement={self.placement!r})')
