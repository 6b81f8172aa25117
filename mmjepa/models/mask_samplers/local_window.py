# Copyright (c) mmjepa contributors. All rights reserved.
"""LoMaR's local windows: small windows of the patch grid, most of each hidden behind the mask token."""
from typing import Optional, Sequence, Tuple

import torch
from mmengine.utils import to_2tuple
from mmpretrain.registry import MODELS

from .masks import Masks


@MODELS.register_module()
class LocalWindowMaskSampler:
    """Local windows of `LoMaR <https://arxiv.org/abs/2206.00790>`_, as `SAR-JEPA
    <https://arxiv.org/abs/2311.15153>`_ trains with them: ``num_windows`` windows of ``window_size x
    window_size`` patches at uniform random positions of the grid (independently, so they may overlap), each a
    sequence of its own; in each, ``int(mask_ratio * window_size**2)`` patches drawn uniformly are hidden
    (replaced by the encoder's mask token) and are the targets.

    Returns :class:`Masks` with ``context`` [B*W, w*w] (the window's patches, raster order), ``hidden``
    [B*W, w*w], ``targets`` [1, B*W, K] (the hidden patches, in window order) and
    ``sequences_per_sample = num_windows``.

    Args:
        input_size (int | tuple): Patch grid (rows, cols).
        window_size (int): Window side in patches. Defaults to 7.
        num_windows (int): Windows per image. Defaults to 4.
        mask_ratio (float): Fraction of each window hidden. Defaults to 0.8 (39 of 49).
    """

    def __init__(self, input_size=(14, 14), window_size: int = 7, num_windows: int = 4, mask_ratio: float = 0.8):
        self.height, self.width = to_2tuple(input_size)
        if not 1 <= window_size <= min(self.height, self.width):
            raise ValueError(f'model.mask_sampler.window_size={window_size} must fit the {self.height}x{self.width} '
                             'patch grid')
        if num_windows < 1:
            raise ValueError(f'model.mask_sampler.num_windows={num_windows} must be at least 1')
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

    def __call__(self, batch_size: int, generator: Optional[torch.Generator] = None, **kwargs) -> Masks:
        num = batch_size * self.num_windows
        top = torch.randint(0, self.height - self.window_size + 1, (num, ), generator=generator)
        left = torch.randint(0, self.width - self.window_size + 1, (num, ), generator=generator)
        context = (top * self.width + left).unsqueeze(1) + self._offsets  # [S, w*w], raster order
        order = torch.rand(num, self._offsets.numel(), generator=generator).argsort(dim=1)
        hidden = torch.zeros_like(context, dtype=torch.bool).scatter_(1, order[:, :self.num_hidden], True)
        targets = context[hidden].view(1, num, self.num_hidden)
        return Masks(context, targets, hidden=hidden, sequences_per_sample=self.num_windows)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={self.input_size}, window_size={self.window_size}, '
                f'num_windows={self.num_windows}, mask_ratio={self.mask_ratio})')
