# Copyright (c) mmjepa contributors. All rights reserved.
"""iRPE: contextual image relative position encoding on keys, product method, 2-D
(`Wu et al., ICCV 2021, arXiv:2107.14222 <https://arxiv.org/abs/2107.14222>`_), configured as in the
official SAR-JEPA code (`arXiv:2311.15153 <https://arxiv.org/abs/2311.15153>`_)."""
import math
from typing import Optional

import torch
from mmpretrain.registry import MODELS
from torch import nn


def piecewise_bucket(distance: torch.Tensor, alpha: float, beta: float, gamma: float) -> torch.Tensor:
    """iRPE's piecewise index function (Eq. 18 of the paper) of integer distances, int64 in
    ``[-int(beta), int(beta)]``: ``x`` where ``|x| <= alpha``, else
    ``sign(x) * min(round(alpha + ln(|x| / alpha) / ln(gamma / alpha) * (beta - alpha)), int(beta))``
    (exact near the token, logarithmic further away, clipped at ``beta`` as the official code does)."""
    distance = distance.long()
    magnitude = distance.abs()
    far = alpha + torch.log(magnitude.clamp(min=1).double() / alpha) / math.log(gamma / alpha) * (beta - alpha)
    far = torch.round(far).clamp(max=int(beta)).long()
    return torch.where(magnitude <= alpha, distance, torch.sign(distance) * far)


def product_buckets(coords: torch.Tensor, alpha: float, beta: float, gamma: float,
                    lut: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Bucket ids [..., N, N] of iRPE's product method for 2-D grid coordinates [..., N, 2] (row, column): the
    offset ``coords[i] - coords[j]`` (query minus key) is bucketed per axis by :func:`piecewise_bucket`,
    and the two buckets are combined as ``(row + b) * (2b + 1) + (column + b)``, ``b = int(beta)``."""
    b = int(beta)
    offsets = coords.unsqueeze(-2) - coords.unsqueeze(-3)
    if lut is None:
        rows = piecewise_bucket(offsets[..., 0], alpha, beta, gamma) + b
        cols = piecewise_bucket(offsets[..., 1], alpha, beta, gamma) + b
    else:  # the buckets of |offset| looked up (no log per call); distances beyond the table share its last bucket
        far = lut.numel() - 1
        rows = offsets[..., 0].sign() * lut[offsets[..., 0].abs().clamp(max=far)] + b
        cols = offsets[..., 1].sign() * lut[offsets[..., 1].abs().clamp(max=far)] + b
    return rows * (2 * b + 1) + cols


@MODELS.register_module()
class ContextualKeyRPE(nn.Module):
    """Contextual relative position bias on keys (iRPE ``rpe_on='k'``, mode ``'ctx'``, method ``'product'``).

    ``bias[b, h, i, j] = q[b, h, i] . r[bucket(coords_i - coords_j)]`` with one learned vector ``r`` of size
    ``head_dims`` per bucket (:func:`product_buckets`). The official code ADDS it to the logits AFTER the
    ``1/sqrt(d)`` scale and computes it from the unscaled queries:
    ``attn = (q @ k^T) * scale + bias(q)``; do the same.

    Defaults are SAR-JEPA's (``get_rpe_config(ratio=1.9, method='product', mode='ctx', shared_head=True,
    skip=1, rpe_on='k')`` in every encoder and predictor block): ``alpha, beta, gamma = 1.9, 3.8, 15.2``
    (``ratio * (1, 2, 8)``), so each axis has 7 buckets (-3..3; offsets 0, ±1, ±2, ±3 -> 0, ±1, ±2, ±2,
    4..10 -> ±3, clipped beyond) and the product 49; one table shared by all heads, initialised to zeros.

    Extra tokens (cls, registers) come first in ``q`` and are named by ``num_prefix_tokens``. The official
    code (``skip=1``, one cls token) gives every pair involving the cls token an extra learned bucket (row 0
    and column 0 of the bucket table, the cls-cls pair included); ``prefix_bucket=True`` (default) keeps
    that bucket, shared by all prefix tokens. With ``prefix_bucket=False`` they get zero bias. Either way the
    table has the official layout ``lookup_table_weight [1 or num_heads, head_dims, num_buckets]`` so an
    official ``blocks.*.attn.rpe_k.lookup_table_weight`` loads as is.

    Args:
        head_dims (int): Channels per attention head.
        num_heads (int): Attention heads.
        ratio (float): Sets ``alpha, beta, gamma = ratio * (1, 2, 8)``. Defaults to 1.9.
        shared_head (bool): One table for all heads. Defaults to True.
        prefix_bucket (bool): Add the official extra bucket for prefix tokens. Defaults to True.
    """

    def __init__(self,
                 head_dims: int,
                 num_heads: int,
                 ratio: float = 1.9,
                 shared_head: bool = True,
                 prefix_bucket: bool = True):
        super().__init__()
        if head_dims < 1 or num_heads < 1 or ratio < 1:
            raise ValueError(f'ContextualKeyRPE: head_dims={head_dims} and num_heads={num_heads} must be positive '
                             f'and ratio={ratio} >= 1 (at least one exact bucket per axis)')
        self.head_dims = head_dims
        self.num_heads = num_heads
        self.alpha, self.beta, self.gamma = 1. * ratio, 2. * ratio, 8. * ratio
        self.num_spatial_buckets = (2 * int(self.beta) + 1)**2
        self.prefix_bucket = prefix_bucket
        num_buckets = self.num_spatial_buckets + int(prefix_bucket)
        # buckets of the distances 0..1023 (any grid up to 1024 tokens a side; beyond, the clipped last bucket)
        lut = piecewise_bucket(torch.arange(1024), self.alpha, self.beta, self.gamma)
        if int(lut[-1]) != int(self.beta):
            raise ValueError(f'ContextualKeyRPE: ratio={ratio} leaves distances beyond 1023 unclipped')
        self.register_buffer('bucket_lut', lut, persistent=False)
        self.lookup_table_weight = nn.Parameter(torch.zeros(1 if shared_head else num_heads, head_dims,
                                                            num_buckets))

    def bucket_ids(self, coords: torch.Tensor, num_prefix_tokens: int = 0) -> torch.Tensor:
        """Bucket ids [..., P + N, P + N] of the tokens; prefix rows/columns hold the prefix bucket (last id)."""
        ids = product_buckets(coords, self.alpha, self.beta, self.gamma, lut=self.bucket_lut.to(coords.device))
        if num_prefix_tokens:
            ids = nn.functional.pad(ids, (num_prefix_tokens, 0, num_prefix_tokens, 0),
                                    value=self.num_spatial_buckets)
        return ids

    def forward(self, q: torch.Tensor, coords: torch.Tensor, num_prefix_tokens: int = 0) -> torch.Tensor:
        """q [B, H, P + N, head_dims] (unscaled queries), coords [N, 2] or, per sequence, [B, N, 2] int64 grid
        coordinates (row, column) of the N spatial tokens -> bias [B, H, P + N, P + N] to add to the scaled
        attention logits."""
        if q.dim() != 4 or q.shape[1] != self.num_heads or q.shape[-1] != self.head_dims:
            raise ValueError(f'ContextualKeyRPE expects q [B, {self.num_heads}, L, {self.head_dims}], got '
                             f'{tuple(q.shape)}')
        if coords.dim() not in (2, 3) or coords.shape[-1] != 2 or coords.shape[-2] + num_prefix_tokens != q.shape[2] \
                or (coords.dim() == 3 and coords.shape[0] != q.shape[0]):
            raise ValueError(f'ContextualKeyRPE: coords must be [N, 2] or [B, N, 2] with N + num_prefix_tokens '
                             f'({num_prefix_tokens}) = {q.shape[2]} tokens, got {tuple(coords.shape)}')
        if coords.is_floating_point():
            raise ValueError('ContextualKeyRPE: coords must be integer grid coordinates (int64)')
        batch, heads = q.shape[:2]
        zero_prefix = bool(num_prefix_tokens) and not self.prefix_bucket
        spatial_q = q[:, :, num_prefix_tokens:] if zero_prefix else q
        ids = self.bucket_ids(coords.to(q.device), 0 if zero_prefix else num_prefix_tokens)
        # q . r for every bucket: [B, H, L, K]; then pick bucket ids[i, j] in row i
        table = torch.einsum('bhld,hdk->bhlk', spatial_q, self.lookup_table_weight.to(q.dtype))
        rows = table.shape[2]
        if ids.dim() == 2:  # one layout for the batch: a single index_select
            flat = (ids + torch.arange(rows, device=q.device)[:, None] * table.shape[-1]).flatten()
            bias = table.flatten(2).index_select(2, flat).view(batch, heads, rows, rows)
        else:
            bias = table.gather(3, ids.unsqueeze(1).expand(batch, heads, rows, rows))
        if zero_prefix:
            bias = nn.functional.pad(bias, (num_prefix_tokens, 0, num_prefix_tokens, 0))
        return bias
