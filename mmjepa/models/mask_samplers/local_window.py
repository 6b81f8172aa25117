# Copyright (c) mmjepa contributors. All rights reserved.
"""LoMaR's local windows: small windows of the patch grid, most of each hidden behind the mask token."""
from typing import Optional, Tuple

import torch
from mmengine.utils import to_2tuple
from mmpretrain.registry import MODELS

from .masks import Masks


@MODELS.register_module()
class LocalWindowMaskSampler:
    """Local windows of `LoMaR <https://arxiv.org/abs/2206.00790>`_, as `SAR-JEPA
    <https://arxiv.org/abs/2311.15153>`_ trains with them: ``num_windows`` windows of ``window_size x
    window_size`` patches, each a sequence of its own; in each (and for each image), ``int(mask_ratio *
    window_size**2)`` patches drawn uniformly are hidden (replaced by the encoder's mask token) and are the
    targets.

    Window positions (``placement``): ``'official'`` (default) draws them once per batch it is called for, as the
    official code (``models_lomar.py``) once per GPU batch (``model.mask_group_size`` makes that batch the official
    per-GPU one at any number of processes): the tops are the first ``num_windows`` of a random permutation of the
    valid rows, the lefts likewise of the valid columns, so all images share the windows and no two windows share a
    top row or a left column. ``'per_sample'`` draws every image's windows independently and uniformly (they may
    overlap).

    Returns :class:`Masks` with ``context`` [B*W, w*w] (the window's patches, raster order), ``hidden``
    [B*W, w*w], ``targets`` [1, B*W, K] (the hidden patches, in window order) and
    ``sequences_per_sample = num_windows``.

    Args:
        input_size (int | tuple): Patch grid (rows, cols).
        window_size (int): Window side in patches. Defaults to 7.
        num_windows (int): Windows per image. Defaults to 4.
        mask_ratio (float): Fraction of each window hidden. Defaults to 0.8 (39 of 49).
        placement (str): ``'official'`` or ``'per_sample'``, see above. Defaults to ``'official'``.
    """

    PLACEMENTS = ('official', 'per_sample')

    def __init__(self, input_size=(14, 14), window_size: int = 7, num_windows: int = 4, mask_ratio: float = 0.8,
                 placement: str = 'official'):
        self.height, self.width = to_2tuple(input_size)
        if not 1 <= window_size <= min(self.height, self.width):
            raise ValueError(f'model.mask_sampler.window_size={window_size} must fit the {self.height}x{self.width} '
                             'patch grid')
        if num_windows < 1:
            raise ValueError(f'model.mask_sampler.num_windows={num_windows} must be at least 1')
        if placement not in self.PLACEMENTS:
            raise ValueError(f'model.mask_sampler.placement={placement!r} must be one of {self.PLACEMENTS}')
        if placement == 'official' and num_windows > min(self.height, self.width) - window_size + 1:
            raise ValueError(f'model.mask_sampler.num_windows={num_windows}: the official placement needs distinct '
                             f'top rows and left columns, and a {self.height}x{self.width} grid has only '
                             f'{min(self.height, self.width) - window_size + 1} for {window_size}x{window_size} '
                             "windows; use fewer windows or placement='per_sample'")
        self.placement = placement
        num_hidden = int(mask_ratio * window_size**2)
        if not 0 < num_hidden < window_size**2:
            raise ValueError(f'model.mask_sampler.mask_ratio={mask_ratio} must hide some but not all of the '
                             f'{window_size**2} patches of a window')
        self.window_size, self.num_windows, self.mask_ratio = window_size, num_windows, mask_ratio
        self.num_hidden = num_hidden
        rows, cols = torch.meshgrid(torch.arange(window_size), torch.arange(window_size), indexing='ij')
        self._offsets = (rows * self.width + cols).reshape(-1)

    @property
    def input_size(self) -> Tuple[int, int]:
        return self.height, self.width

    def __call__(self, batch_size: int, generator: Optional[torch.Generator] = None,
                 position_generator: Optional[torch.Generator] = None) -> Masks:
        """Draw the windows and hidden patches of ``batch_size`` images from ``generator`` (torch's global RNG
        when None), or all from ``position_generator`` when given: nothing here is shared between the ranks or
        mask groups that draw with their own position generator (the official code draws every window and mask
        from each GPU's own RNG)."""
        if position_generator is not None:
            generator = position_generator
        num = batch_size * self.num_windows
        rows, cols = self.height - self.window_size + 1, self.width - self.window_size + 1
        if self.placement == 'official':  # one set of windows for the batch
            top = torch.randperm(rows, generator=generator)[:self.num_windows].repeat(batch_size)
            left = torch.randperm(cols, generator=generator)[:self.num_windows].repeat(batch_size)
        else:
            top = torch.randint(0, rows, (num, ), generator=generator)
            left = torch.randint(0, cols, (num, ), generator=generator)
        context = (top * self.width + left).unsqueeze(1) + self._offsets  # [S, w*w], raster order
        order = torch.rand(num, self._offsets.numel(), generator=generator).argsort(dim=1)
        hidden = torch.zeros_like(context, dtype=torch.bool).scatter_(1, order[:, :self.num_hidden], True)
        targets = context[hidden].view(1, num, self.num_hidden)
        return Masks(context, targets, hidden=hidden, sequences_per_sample=self.num_windows)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={self.input_size}, window_size={self.window_size}, '
                f'num_windows={self.num_windows}, mask_ratio={self.mask_ratio}, placement={self.placement!r})')
