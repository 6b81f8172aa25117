# Copyright (c) mmjepa contributors. All rights reserved.
"""DMT-JEPA's aggregation head: a query token that cross-attends over a set of tokens."""
from typing import Optional

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn

from ..utils import attention, jepa_init_


class QueryAttention(nn.Module):
    """Multi-head attention of the first token of ``u`` ([B, L, D]) over all of ``u``; separate q/k/v/proj
    Linears with biases. ``key_mask`` ([B, L], True = attend) hides padded tokens."""

    def __init__(self, embed_dims: int, num_heads: int):
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims={embed_dims} is not divisible by num_heads={num_heads}')
        self.num_heads = num_heads
        self.q = nn.Linear(embed_dims, embed_dims)
        self.k = nn.Linear(embed_dims, embed_dims)
        self.v = nn.Linear(embed_dims, embed_dims)
        self.proj = nn.Linear(embed_dims, embed_dims)

    def forward(self, u: torch.Tensor, key_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        batch_size, length, dims = u.shape
        heads = lambda t: t.reshape(batch_size, -1, self.num_heads, dims // self.num_heads).transpose(1, 2)  # noqa
        q, k, v = heads(self.q(u[:, :1])), heads(self.k(u)), heads(self.v(u))
        mask = None if key_mask is None else key_mask[:, None, None, :]
        out = attention(q, k, v, attn_mask=mask)
        return self.proj(out.transpose(1, 2).reshape(batch_size, 1, dims))


class CrossAttentionBlock(nn.Module):
    """Pre-norm block: ``ln1`` -> :class:`QueryAttention` (residual on the query), ``ln2`` -> MLP (GELU)."""

    def __init__(self, embed_dims: int, num_heads: int, mlp_ratio: float = 4., eps: float = 1e-6):
        super().__init__()
        hidden = int(embed_dims * mlp_ratio)
        self.ln1 = nn.LayerNorm(embed_dims, eps=eps)
        self.attn = QueryAttention(embed_dims, num_heads)
        self.ln2 = nn.LayerNorm(embed_dims, eps=eps)
        self.ffn = nn.Sequential()
        self.ffn.add_module('fc1', nn.Linear(embed_dims, hidden))
        self.ffn.add_module('act', nn.GELU())
        self.ffn.add_module('fc2', nn.Linear(hidden, embed_dims))

    def attend(self, query: torch.Tensor, tokens: torch.Tensor,
               key_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``query`` [B, 1, D] attends over ``[query; tokens]``; returns the update [B, 1, D]."""
        return self.attn(self.ln1(torch.cat([query, tokens], dim=1)), key_mask)

    def mlp(self, x: torch.Tensor) -> torch.Tensor:
        return self.ffn(self.ln2(x))


@MODELS.register_module()
class LocalAggHead(BaseModule):
    """Aggregation head of `DMT-JEPA <https://arxiv.org/abs/2405.17995>`_ (the official ``LocalAggHead``
    with cross-attention), in two modes sharing the same weights.

    * **local** (:meth:`forward` with ``neighbours``; target side): every patch gets a query that starts as
      its image's mean token and, in each block, attends over ``[query; its k neighbours]``
      (``q <- q + CA(LN1 [q; nbrs])``, ``q <- q + MLP(LN2 q)``); the patch itself never enters the keys.
      Output ``LN(q)`` per patch.
    * **global** (``neighbours=None``; context side, before the predictor): in each block the image's mean
      token ``c`` attends over ``[c; z]`` and the result is added to every token, then the MLP runs on every
      token. Output ``LN(z)``.

    The official code builds the local queries with ``mean.repeat(N, 1, 1)`` while its rows are ordered
    ``b * N + n``, so patch ``(b, n)`` gets the mean of image ``(b * N + n) mod B``. Here each patch gets
    its own image's mean; ``official_query_order=True`` reproduces the official ordering.

    Parameter names: ``layers.{i}.ln1``, ``layers.{i}.attn.{q,k,v,proj}``, ``layers.{i}.ln2``,
    ``layers.{i}.ffn.{fc1,fc2}``, ``ln`` (official: ``cls_blocks.{i}.norm1`` ... ``mlp.fc1``, ``norm``).

    Args:
        embed_dims (int): Token width (the encoder's).
        num_heads (int): Attention heads (the encoder's).
        depth (int): Blocks. Defaults to 2.
        mlp_ratio (float): MLP hidden width ratio. Defaults to 4.
        norm_eps (float): Epsilon of every LayerNorm. Defaults to 1e-6.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 depth: int = 2,
                 mlp_ratio: float = 4.,
                 norm_eps: float = 1e-6,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.layers = nn.ModuleList(
            CrossAttentionBlock(embed_dims, num_heads, mlp_ratio, norm_eps) for _ in range(depth))
        self.ln = nn.LayerNorm(embed_dims, eps=norm_eps)

    def init_weights(self):
        super().init_weights()
        if not (isinstance(self.init_cfg, dict) and self.init_cfg['type'] == 'Pretrained'):
            jepa_init_(self)  # the official head init: trunc-normal 0.02 Linear weights, zero biases

    @staticmethod
    def initial_queries(x: torch.Tensor, official_query_order: bool = False) -> torch.Tensor:
        """Per-patch starting queries of local mode, [B*N, 1, D] in the order ``b * N + n``."""
        mean = x.mean(dim=1, keepdim=True)  # [B, 1, D]
        num = x.shape[1]
        return mean.repeat(num, 1, 1) if official_query_order else mean.repeat_interleave(num, dim=0)

    def forward(self,
                x: torch.Tensor,
                neighbours: Optional[torch.Tensor] = None,
                key_mask: Optional[torch.Tensor] = None,
                official_query_order: bool = False) -> torch.Tensor:
        """Local mode when ``neighbours`` ([B, N, k, D], with an optional ``key_mask`` [B, N, k], True = a
        real neighbour) is given, global mode otherwise. ``x``: [B, N, D]. Returns [B, N, D]."""
        if neighbours is None:
            return self.forward_global(x)
        batch_size, num, dims = x.shape
        k = neighbours.shape[2]
        query = self.initial_queries(x, official_query_order)
        tokens = neighbours.reshape(batch_size * num, k, dims)
        if key_mask is not None:
            key_mask = torch.cat([key_mask.new_ones(batch_size, num, 1), key_mask], dim=2).reshape(-1, k + 1)
        for layer in self.layers:
            query = query + layer.attend(query, tokens, key_mask)
            query = query + layer.mlp(query)
        return self.ln(query).reshape(batch_size, num, dims)

    def forward_global(self, z: torch.Tensor) -> torch.Tensor:
        """Global mode on ``z`` [B, K, D]."""
        for layer in self.layers:
            z = z + layer.attend(z.mean(dim=1, keepdim=True), z)
            z = z + layer.mlp(z)
        return self.ln(z)
