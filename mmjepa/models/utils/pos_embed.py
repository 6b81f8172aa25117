# Copyright (c) mmjepa contributors. All rights reserved.
"""Fixed 2-D sine-cosine position embeddings, laid out as in the official I-JEPA code."""
from typing import Sequence

import torch


def sincos_1d(dims: int, positions: torch.Tensor, interleave: bool = False) -> torch.Tensor:
    """``[sin(p*w), cos(p*w)]`` with ``w_i = 10000^(-i/(dims/2))`` for ``i < dims/2`` (I-JEPA, MAE); with
    ``interleave`` the channels alternate, ``sin(p*w_0), cos(p*w_0), sin(p*w_1), ...`` (ECG-JEPA).

    Returns a ``[len(positions), dims]`` float64 tensor.
    """
    if dims % 2:
        raise ValueError(f'sin-cos embedding needs an even width, got {dims}')
    omega = 1.0 / 10000**(torch.arange(dims // 2, dtype=torch.float64) / (dims / 2))
    angles = positions.to(torch.float64).reshape(-1, 1) * omega.reshape(1, -1)
    if interleave:
        return torch.stack([angles.sin(), angles.cos()], dim=2).flatten(1)
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def sincos_2d_position_embedding(dims: int, grid_size: Sequence[int]) -> torch.Tensor:
    """Position embedding of a ``grid_size=(rows, cols)`` patch grid in raster order.

    The first ``dims/2`` channels encode the column, the second ``dims/2`` the row (as ``get_2d_sincos_pos_embed``
    of I-JEPA/MAE does). Returns ``[1, rows*cols, dims]`` float32.
    """
    if dims % 4:
        raise ValueError(f'2-D sin-cos embedding needs a width divisible by 4, got {dims}')
    rows, cols = grid_size
    row = torch.arange(rows).repeat_interleave(cols)
    col = torch.arange(cols).repeat(rows)
    emb = torch.cat([sincos_1d(dims // 2, col), sincos_1d(dims // 2, row)], dim=1)
    return emb.float().unsqueeze(0)
