# Copyright (c) mmjepa contributors. All rights reserved.
"""Token layouts: where the tokens of one sample sit. The one source of sizes for position tables, mask
samplers, predictors and conditioners."""
import math
from dataclasses import dataclass
from typing import Tuple

import torch

from .pos_embed import sincos_1d


@dataclass(frozen=True)
class TokenLayout:
    """The tokens of one sample on a grid of any rank, in raster order (last axis fastest).

    ``TokenLayout((14, 14))``: the 196 patches of a 224 px image at patch 16; ``TokenLayout((200,))``: the 200
    50 ms patches of a 10 s ECG; a 1-D layout is also "a count of tokens", whose position ids are
    ``0..N-1`` (tabular features).
    """
    grid: Tuple[int, ...]

    def __post_init__(self):
        grid = tuple(int(v) for v in (self.grid if isinstance(self.grid, (tuple, list, torch.Size))
                                      else (self.grid, )))
        if not grid or any(v < 1 for v in grid):
            raise ValueError(f'TokenLayout(grid={self.grid}): every size must be a positive integer')
        object.__setattr__(self, 'grid', grid)

    @property
    def ndim(self) -> int:
        return len(self.grid)

    @property
    def num_tokens(self) -> int:
        return math.prod(self.grid)

    def coordinates(self) -> torch.Tensor:
        """[N, ndim] int64 grid coordinates of the tokens in raster order."""
        axes = torch.meshgrid(*(torch.arange(n) for n in self.grid), indexing='ij')
        return torch.stack([a.reshape(-1) for a in axes], dim=1)

    def sincos(self, dims: int, interleave: bool = False, offset: int = 0) -> torch.Tensor:
        """Fixed sin-cos position table [1, N, dims] (float32).

        Each axis gets ``dims / ndim`` channels, the last axis first: on a 2-D grid the first half encodes
        the column and the second the row, the layout of the official I-JEPA/MAE ``get_2d_sincos_pos_embed``;
        on a 1-D grid it is ``[sin, cos]`` of the token index. ``interleave``: the channels of each axis
        alternate sin and cos (see :func:`sincos_1d`). ``offset``: positions start there (token ``i`` takes
        row ``i + offset`` of the table, e.g. features behind a [CLS] row).
        """
        if dims % (2 * self.ndim):
            raise ValueError(f'A {self.ndim}-D sin-cos table needs a width divisible by {2 * self.ndim}, got {dims}')
        coords = self.coordinates() + int(offset)
        parts = [sincos_1d(dims // self.ndim, coords[:, axis], interleave) for axis in reversed(range(self.ndim))]
        return torch.cat(parts, dim=1).float().unsqueeze(0)


POS_CFG_KEYS = ('interleave', 'offset')


def check_pos_cfg(pos_cfg) -> dict:
    """``pos_cfg`` (the keyword arguments of :meth:`TokenLayout.sincos`) as a dict, or an error naming the
    unknown keys."""
    pos_cfg = dict(pos_cfg or {})
    unknown = sorted(set(pos_cfg) - set(POS_CFG_KEYS))
    if unknown:
        raise ValueError(f'pos_cfg has unknown keys {unknown}; valid keys: {list(POS_CFG_KEYS)}')
    return pos_cfg
