# Copyright (c) mmjepa contributors. All rights reserved.
"""I-JEPA's multi-block mask sampler, vectorised over the batch."""
import math
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmpretrain.registry import MODELS
from mmengine.utils import to_2tuple

from .masks import Masks

Range = Tuple[float, float]


def _first_bits_table() -> np.ndarray:
    """``table[k * 256 + byte]``: ``byte`` with only its ``k`` lowest set bits kept (k = 0..8)."""
    table = np.zeros((9, 256), dtype=np.uint8)
    for byte in range(256):
        kept = 0
        for k in range(1, 9):
            rest = byte & ~kept
            kept |= rest & -rest  # lowest remaining set bit (0 once none is left)
            table[k, byte] = kept
    return table.ravel()


_FIRST_BITS = _first_bits_table()


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
        self._tables = {}  # (h, w[, 'indices']) -> bit masks (indices) of the block at every corner
        self._num_words = -(-self.height * self.width // 64)
        num_bytes = self._num_words * 8
        self._exclusive_cumsum = np.triu(np.ones((num_bytes, num_bytes), dtype=np.float32), 1)
        for name, scale, ratio in (('target', self.target_scale, self.target_aspect_ratio),
                                   ('context', self.context_scale, self.context_aspect_ratio)):
            h, w = min((self.block_size(u, scale, ratio) for u in (0., 1.)), key=lambda hw: hw[0] * hw[1])
            if h * w <= min_keep:
                raise ValueError(f'min_keep={min_keep} is too large: the smallest {name} block on a '
                                 f'{self.height}x{self.width} grid is {h}x{w} = {h * w} patches; lower min_keep '
                                 f'or raise {name}_scale')

    @property
    def input_size(self) -> Tuple[int, int]:
        return self.height, self.width

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

    def _corners(self, h: int, w: int, shape, generator) -> Tuple[np.ndarray, np.ndarray]:
        extra = 0 if self.placement == 'official' else 1
        top = torch.randint(0, self.height - h + extra, shape, generator=generator)
        left = torch.randint(0, self.width - w + extra, shape, generator=generator)
        return top.numpy(), left.numpy()

    def _block_table(self, h: int, w: int) -> np.ndarray:
        """Bit masks of the h x w block at every corner, [rows * cols, words] uint64 (corner ``(top, left)``
        is row ``top * cols + left``; cached per size).

        Patch ``n`` is bit ``n % 64`` of word ``n // 64`` (little bit order within each byte, bytes in
        memory order; only bitwise operations touch the words, so the machine's byte order is irrelevant).
        """
        table = self._tables.get((h, w))
        if table is None:
            extra = 0 if self.placement == 'official' else 1
            tops = np.arange(self.height - h + extra)
            lefts = np.arange(self.width - w + extra)
            rows, cols = np.arange(self.height), np.arange(self.width)
            in_rows = (rows >= tops[:, None]) & (rows < tops[:, None] + h)  # [tops, H]
            in_cols = (cols >= lefts[:, None]) & (cols < lefts[:, None] + w)  # [lefts, W]
            masks = (in_rows[:, None, :, None] & in_cols[None, :, None, :]).reshape(len(tops) * len(lefts), -1)
            table = self._pack(masks)
            self._tables[(h, w)] = table
        return table

    def _block_indices(self, h: int, w: int) -> np.ndarray:
        """Flat patch indices of the h x w block at every corner, [rows * cols, h * w] int64 (cached)."""
        table = self._tables.get((h, w, 'indices'))
        if table is None:
            extra = 0 if self.placement == 'official' else 1
            corners = (np.arange(self.height - h + extra)[:, None] * self.width +
                       np.arange(self.width - w + extra)).ravel()
            offsets = (np.arange(h)[:, None] * self.width + np.arange(w)).ravel()
            table = (corners[:, None] + offsets).astype(np.int64)
            self._tables[(h, w, 'indices')] = table
        return table

    def _pack(self, masks: np.ndarray) -> np.ndarray:
        """Boolean masks [..., N] -> bit masks [..., words] uint64."""
        padded = np.zeros(masks.shape[:-1] + (self._num_words * 64, ), dtype=bool)
        padded[..., :masks.shape[-1]] = masks
        return np.ascontiguousarray(np.packbits(padded, axis=-1, bitorder='little')).view(np.uint64)

    def _count(self, words: np.ndarray) -> np.ndarray:
        """Set bits per mask: [..., words] -> [...]."""
        return np.bitwise_count(words).sum(-1, dtype=np.int64)

    def _first_indices(self, context: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Sorted indices of the first ``min(counts)`` set bits of each row of ``context`` ([B, words])."""
        batch_size = context.shape[0]
        keep = int(counts.min())
        data = context.view(np.uint8)  # [B, bytes]
        if not (counts == keep).all():  # truncate every row to `keep` set bits, byte by byte
            # Set bits before each byte (an exclusive cumsum, as a small matmul: numpy's cumsum along a
            # short axis is slow), then keep that many of the byte's own bits (0..8) by table lookup.
            before = np.bitwise_count(data).astype(np.float32) @ self._exclusive_cumsum
            index = np.clip(keep - before, 0, 8).astype(np.uint16)
            index <<= 8
            index |= data
            data = _FIRST_BITS.take(index)
        bits = np.unpackbits(data, axis=1, bitorder='little').view(bool)  # [B, words * 64]
        flat = np.flatnonzero(bits).reshape(batch_size, keep)
        flat -= (np.arange(batch_size) * bits.shape[1])[:, None]
        return flat

    @torch.compiler.disable  # host-side numpy: torch.compile of a train step runs it eagerly
    def __call__(self, batch_size: int, generator: Optional[torch.Generator] = None,
                 position_generator: Optional[torch.Generator] = None):
        """Draw the masks of one batch.

        Random numbers come from ``generator`` (torch's global RNG when None); with ``position_generator``,
        only the two block sizes do, and the block positions come from ``position_generator`` (the official
        collator's split: sizes from a per-batch seed, positions from another RNG). The mask arithmetic runs in
        numpy on precomputed bit masks of every block position (a few hundred microseconds for B = 128 on a
        14 x 14 grid, on one core).

        Returns:
            Masks: context indices ``[B, Kc]`` and target indices ``[T, B, Kt]`` (int64, flat raster patch
            indices, sorted within each block).
        """
        u_target, u_context = torch.rand(2, generator=generator).tolist()
        th, tw = self.block_size(u_target, self.target_scale, self.target_aspect_ratio)
        ch, cw = self.block_size(u_context, self.context_scale, self.context_aspect_ratio)
        if position_generator is not None:
            generator = position_generator

        # Targets: always entirely inside the grid, so each holds exactly th*tw patches in raster order.
        top, left = self._corners(th, tw, (self.num_targets, batch_size), generator)
        num_cols = self.width - tw + (self.placement != 'official')
        corners = top * num_cols + left
        target_idx = self._block_indices(th, tw).take(corners, axis=0)  # [T, B, th * tw]
        target_masks = self._block_table(th, tw).take(corners, axis=0)  # [T, B, words]

        # Context: max_tries candidates per image and per number of targets still constraining it; the
        # first valid candidate is taken. Almost always the first candidate of every image is valid: that
        # case costs one lookup; the others are evaluated only for the images still without a context.
        top, left = self._corners(ch, cw, (batch_size, self.max_tries), generator)
        num_cols = self.width - cw + (self.placement != 'official')
        table = self._block_table(ch, cw)
        context = table.take(top[:, 0] * num_cols + left[:, 0], axis=0)  # [B, words]
        if not self.allow_overlap:
            context &= ~np.bitwise_or.reduce(target_masks, axis=0)
        counts = self._count(context)
        if not self.allow_overlap and counts.min() <= self.min_keep:
            context, counts = self._fallback(context, counts, target_masks, top * num_cols + left, table,
                                             (ch, cw), num_cols, generator)
        context_idx = self._first_indices(context, counts)
        return Masks(torch.from_numpy(context_idx), torch.from_numpy(target_idx))

    def _fallback(self, context, counts, target_masks, corners, table, size, num_cols, generator):
        """Contexts of the images whose first candidate keeps ``min_keep`` patches or fewer: their other
        candidates, then (after ``max_tries`` failures) new candidates with one target constraint fewer."""
        pending = np.flatnonzero(counts <= self.min_keep)
        for dropped in range(self.num_targets + 1):
            if dropped:  # redraw the candidates (of the whole batch, as the official code does)
                top, left = self._corners(*size, corners.shape, generator)
                corners = top * num_cols + left
            allowed = ~np.bitwise_or.reduce(target_masks[:self.num_targets - dropped], axis=0)  # [B, words]
            masked = table.take(corners[pending], axis=0) & allowed[pending, None]  # [P, tries, words]
            valid = self._count(masked) > self.min_keep
            found = valid.any(1)
            first = valid.argmax(1)
            context[pending[found]] = masked[found, first[found]]
            pending = pending[~found]
            if not len(pending):
                break
        return context, self._count(context)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={(self.height, self.width)}, num_targets={self.num_targets}, '
                f'target_scale={self.target_scale}, target_aspect_ratio={self.target_aspect_ratio}, '
                f'context_scale={self.context_scale}, min_keep={self.min_keep}, placement={self.placement!r})')
