# Copyright (c) mmjepa contributors. All rights reserved.
"""ECG-JEPA's 1-D mask sampler: contiguous masked runs of at least ``min_run`` tokens, vectorised over the
batch (`Weimann & Conrad, arXiv 2410.13867 <https://arxiv.org/abs/2410.13867>`_)."""
import math
from typing import Optional, Sequence

import numpy as np
import torch
from mmpretrain.registry import MODELS

from .masks import Masks


@MODELS.register_module()
class ContiguousRunMaskSampler:
    """Masks of a 1-D token sequence made of contiguous masked runs, as the official ECG-JEPA collator.

    One draw per batch: a keep ratio ``r ~ U(keep_ratio)`` gives the number of kept tokens
    ``K = ceil(r * N)``, shared by every sample (so all index lists have equal lengths, nothing is
    truncated). Each sample then gets its own mask of ``M = N - K`` tokens, grown block by block:

    1. pick one of the unmasked intervals with probability proportional to its length;
    2. draw a block length ``b ~ U{min_run, ..., m}`` where ``m`` tokens are still to be masked
       (``b = m`` once ``m < min_run``);
    3. an interval of at most ``b`` tokens is masked entirely (it is bounded by masked blocks, so it merges
       with them); otherwise the block goes at a uniform position inside the interval, or, when ``m <
       min_run`` (the final short remainder), flush against a masked neighbour (left or right at random), so
       that it extends an existing run.

    Hence every maximal masked run has at least ``min_run`` tokens; kept runs may be of any length, and the
    number of masked runs is random (a few long ones: the first block alone takes on average about half of
    ``M``). Context = the kept tokens ``[B, K]``, the single target set = all masked tokens ``[1, B, M]``,
    both sorted.

    The official collator runs this loop in Python per sample with numpy's global RNG; here it runs for the
    whole batch at once (numpy on small ``[B, slots]`` interval tables) with uniforms drawn from the given
    torch generator, so the same generator state gives the same masks. The distribution is that of the
    official procedure; the random stream is not.

    Args:
        input_size (int | tuple): Tokens of the 1-D layout, ``N`` or ``(N,)`` (200 for 10 s at 50 ms
            patches). Defaults to (200,).
        keep_ratio (tuple): (min, max) fraction of kept tokens, ``0 < min <= max < 1``. Defaults to
            (0.15, 0.25).
        min_run (int): Shortest masked run, in tokens (10 = 0.5 s). Defaults to 10.
    """

    def __init__(self, input_size=(200, ), keep_ratio: Sequence[float] = (0.15, 0.25), min_run: int = 10):
        size = tuple(input_size) if isinstance(input_size, (tuple, list, torch.Size)) else (input_size, )
        if len(size) != 1 or int(size[0]) != size[0] or size[0] < 2:
            raise ValueError(f'ContiguousRunMaskSampler: input_size={input_size} must be a 1-D token layout '
                             '(N,) with N >= 2; for a 2-D patch grid use MultiBlockMaskSampler')
        self.num_tokens = int(size[0])
        if len(keep_ratio) != 2 or not (0. < keep_ratio[0] <= keep_ratio[1] < 1.):
            raise ValueError(f'ContiguousRunMaskSampler: keep_ratio={tuple(keep_ratio)} must be (min, max) with '
                             '0 < min <= max < 1')
        self.keep_ratio = (float(keep_ratio[0]), float(keep_ratio[1]))
        if int(min_run) != min_run or min_run < 1:
            raise ValueError(f'ContiguousRunMaskSampler: min_run={min_run} must be a positive integer')
        self.min_run = int(min_run)
        fewest_masked = self.num_tokens - self.num_keep(self.keep_ratio[1])
        if fewest_masked < self.min_run:
            raise ValueError(f'ContiguousRunMaskSampler: min_run={min_run} is impossible: at keep_ratio max '
                             f'{self.keep_ratio[1]} only {fewest_masked} of {self.num_tokens} tokens are masked; '
                             'lower min_run or keep_ratio[1]')

    def num_keep(self, ratio: float) -> int:
        """Kept tokens at keep ratio ``ratio`` (``ceil(ratio * N)``, as the official collator)."""
        return min(max(math.ceil(ratio * self.num_tokens), 1), self.num_tokens)

    def kept_intervals(self, num_mask: int, batch_size: int, generator: Optional[torch.Generator] = None):
        """Grow the masks of ``batch_size`` samples with ``num_mask`` masked tokens each.

        Step ``k`` splits one kept interval per sample: the left part stays in its slot, the right part goes
        to slot ``k + 1`` (either may be empty; an empty interval is never picked again). Samples that are
        done pass through unchanged.

        Returns:
            tuple[ndarray, ndarray]: ``starts, ends`` [B, slots] int64, the kept intervals ``[start, end)``
            of every sample (disjoint, some empty).
        """
        n, min_run = self.num_tokens, self.min_run
        slots = 32  # interval tables are [slots, B]: the per-step slices are contiguous
        starts = np.zeros((slots, batch_size), dtype=np.int64)
        ends = np.zeros((slots, batch_size), dtype=np.int64)
        ends[0] = n
        remaining = np.full(batch_size, num_mask, dtype=np.int64)
        columns = np.arange(batch_size)
        chunk = 8  # steps per draw of uniforms
        for step in range(num_mask):  # each step masks at least one token
            if step % chunk == 0:  # three uniforms per sample and step, drawn for `chunk` steps at once
                u_interval, u_block, u_place = torch.rand(
                    (3, chunk, batch_size), generator=generator, dtype=torch.float64).numpy()
                go_left = u_place < 0.5
            if step + 1 == slots:  # widen the interval tables
                starts = np.concatenate([starts, np.zeros_like(starts)])
                ends = np.concatenate([ends, np.zeros_like(ends)])
                slots *= 2
            i = step % chunk
            # 1. one kept interval, with probability proportional to its length
            cumulative = np.add.accumulate(ends[:step + 1] - starts[:step + 1], axis=0)
            token = (u_interval[i] * cumulative[-1]).astype(np.int64)
            picked = (cumulative > token).argmax(0) * batch_size + columns  # flat index into the tables
            start, end = starts.take(picked), ends.take(picked)
            length = end - start
            # 2. the block length: U{min_run..remaining}, or the remainder once it is shorter than min_run
            full_block = remaining >= min_run
            block = np.where(full_block, min_run + (u_block[i] * (remaining - (min_run - 1))).astype(np.int64),
                             remaining)
            # 3. its place: the whole interval if it is that short, else uniform inside it; the final short
            # remainder goes flush against a masked neighbour, extending its run
            whole = length <= block
            inside = start + (u_place[i] * (length - block + 1)).astype(np.int64)
            attach = np.where((start > 0) & ((end == n) | go_left[i]), start, end - block)
            split = np.where(full_block, inside, attach)
            split = np.where(remaining > 0, split, end)  # done: a no-op split at the interval's end
            ends.put(picked, np.where(whole, start, split))
            starts[step + 1] = np.where(whole, end, split + block)
            ends[step + 1] = end
            remaining -= np.where(whole, length, block)
            if not remaining.any():
                break
        return starts[:step + 2].T, ends[:step + 2].T

    @torch.compiler.disable  # host-side numpy: torch.compile of a train step runs it eagerly
    def __call__(self, batch_size: int, generator: Optional[torch.Generator] = None,
                 position_generator: Optional[torch.Generator] = None) -> Masks:
        """Draw the masks of one batch (random numbers from ``generator``; torch's global RNG when None). With
        ``position_generator`` the keep ratio still comes from ``generator`` (shared by the ranks or mask groups
        that draw with their own position generator) and the masked runs from ``position_generator``.

        Returns:
            Masks: ``context`` [B, K] (kept tokens) and ``targets`` [1, B, N - K] (all masked tokens), int64,
            sorted.
        """
        low, high = self.keep_ratio
        ratio = low + (high - low) * torch.rand((), generator=generator, dtype=torch.float64).item()
        num_keep = self.num_keep(ratio)
        n = self.num_tokens
        runs_generator = generator if position_generator is None else position_generator
        starts, ends = self.kept_intervals(n - num_keep, batch_size, runs_generator)
        # +1 where a kept interval starts, -1 where it ends (distinct places: kept runs are separated by masked
        # tokens), then a running sum marks the kept tokens
        used = ends > starts
        sample = np.broadcast_to(np.arange(batch_size)[:, None], used.shape)[used]
        steps = np.zeros((batch_size, n + 1), dtype=np.int8)
        steps[sample, starts[used]] = 1
        steps[sample, ends[used]] = -1
        kept = np.cumsum(steps[:, :n], axis=1, dtype=np.int8).view(bool)
        rows = (np.arange(batch_size) * n)[:, None]
        context = np.flatnonzero(kept).reshape(batch_size, num_keep) - rows
        targets = np.flatnonzero(~kept).reshape(batch_size, n - num_keep) - rows
        return Masks(context=torch.from_numpy(context), targets=torch.from_numpy(targets)[None])

    @property
    def input_size(self):
        return (self.num_tokens, )

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={(self.num_tokens, )}, keep_ratio={self.keep_ratio}, '
                f'min_run={self.min_run})')
