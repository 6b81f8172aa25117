# Copyright (c) mmjepa contributors. All rights reserved.
"""Patch neighbourhoods on a patch grid and their top-k selection by cosine similarity (DMT-JEPA)."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

BORDERS = ('wrap', 'clip')
SIMILARITY_DTYPES = {'float32': torch.float32, 'bfloat16': torch.bfloat16}


def neighbour_table(grid_size: Sequence[int], window_size: int = 3,
                    border: str = 'wrap') -> Tuple[torch.Tensor, torch.Tensor]:
    """The ``window_size x window_size`` neighbourhood of every patch of a ``(rows, cols)`` grid, without
    the patch itself.

    ``border='wrap'`` treats the grid as a torus (the official DMT-JEPA tables: patch 0 of 14x14 has the
    neighbours 1, 13, 14, 15, 27, 182, 183, 195); ``'clip'`` drops the positions outside the grid, so border
    patches have fewer neighbours. On grids smaller than the window, wrapped positions that repeat or land on
    the patch itself are dropped as well.

    Returns:
        tuple[Tensor, Tensor]: ``index`` [N, W] (int64, raster indices, valid ones first in ascending order,
        the invalid slots holding the patch's own index) and ``valid`` [N, W] (bool), with
        ``W = window_size**2 - 1`` and ``N = rows * cols``.
    """
    rows, cols = (int(v) for v in grid_size)
    if rows < 1 or cols < 1:
        raise ValueError(f'grid_size={tuple(grid_size)} must be positive')
    if window_size < 3 or window_size % 2 == 0:
        raise ValueError(f'window_size={window_size} must be an odd number >= 3')
    if border not in BORDERS:
        raise ValueError(f'border={border!r} must be one of {BORDERS}')
    half = window_size // 2
    offsets = torch.tensor([(dr, dc) for dr in range(-half, half + 1) for dc in range(-half, half + 1)
                            if (dr, dc) != (0, 0)])
    num = rows * cols
    own = torch.arange(num)
    r = (own // cols).unsqueeze(1) + offsets[:, 0]
    c = (own % cols).unsqueeze(1) + offsets[:, 1]
    if border == 'wrap':
        valid = torch.ones_like(r, dtype=torch.bool)
        r, c = r % rows, c % cols
    else:
        valid = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        r, c = r.clamp(0, rows - 1), c.clamp(0, cols - 1)
    index = r * cols + c
    valid &= index != own.unsqueeze(1)

    def valid_first_sorted(index, valid):
        order = torch.where(valid, index, index + num).argsort(dim=1, stable=True)
        return index.gather(1, order), valid.gather(1, order)

    index, valid = valid_first_sorted(index, valid)
    duplicate = torch.zeros_like(valid)
    duplicate[:, 1:] = (index[:, 1:] == index[:, :-1]) & valid[:, 1:] & valid[:, :-1]
    index, valid = valid_first_sorted(index, valid & ~duplicate)
    index = torch.where(valid, index, own.unsqueeze(1))
    return index, valid


def topk_neighbours(x: torch.Tensor, index: torch.Tensor, valid: Optional[torch.Tensor], k: int,
                    similarity_dtype: str = 'float32') -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """For every token of ``x`` ([B, N, D]), its ``k`` neighbours (from the table ``index``/``valid`` of
    :func:`neighbour_table`; ``valid=None`` when every slot is valid) of highest cosine similarity. Invalid
    table slots are never chosen.

    The similarity is computed from the [B, N, N] Gram matrix (cheaper in memory than gathering [B, N, W, D]
    neighbour features) of the float32 unit vectors, whatever autocast is active. ``similarity_dtype``:
    ``'float32'`` (default) or ``'bfloat16'``, the official code's precision (its matmul runs under bf16
    autocast: unit vectors rounded to bf16, float32 accumulation, similarities rounded to bf16, so that
    nearly equal neighbours tie and the top-k set changes for some patches; ties go to ``torch.topk``).

    Returns:
        tuple[Tensor, Tensor | None]: neighbour indices [B, N, k] and, when ``valid`` is given, a mask
        [B, N, k] of the real ones: a patch with fewer than ``k`` valid neighbours (clipped borders) gets
        masked slots, which hold the patch's own index and must be ignored (the aggregation head masks them
        out of its attention).
    """
    batch_size, num, _ = x.shape
    if index.shape[0] != num:
        raise ValueError(f'The neighbour table has {index.shape[0]} patches, the features {num}')
    if similarity_dtype not in SIMILARITY_DTYPES:
        raise ValueError(f'similarity_dtype={similarity_dtype!r} must be one of {tuple(SIMILARITY_DTYPES)}')
    with torch.autocast(device_type=x.device.type, enabled=False):
        unit = F.normalize(x.float(), dim=-1).to(SIMILARITY_DTYPES[similarity_dtype])
        sim = torch.bmm(unit, unit.transpose(1, 2)).gather(2, index.unsqueeze(0).expand(batch_size, -1, -1))
    if valid is not None:
        sim = sim.masked_fill(~valid, float('-inf'))
    k = min(k, index.shape[1])
    values, slots = sim.topk(k, dim=-1)
    chosen = index.unsqueeze(0).expand(batch_size, -1, -1).gather(2, slots)
    if valid is None:
        return chosen, None
    mask = torch.isfinite(values)
    return torch.where(mask, chosen, torch.arange(num, device=x.device).view(1, num, 1)), mask
