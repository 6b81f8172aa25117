# Copyright (c) mmjepa contributors. All rights reserved.
"""The attentive probe of ECG-JEPA's frozen-encoder ("linear") evaluation: one learned query cross-attends to
the encoder tokens, a linear layer classifies the pooled vector
(`Weimann & Conrad, arXiv 2410.13867 <https://arxiv.org/abs/2410.13867>`_)."""
from typing import Tuple

import torch
from mmpretrain.registry import MODELS
from torch import nn

from ..utils import attention
from .token_cls_head import TokenClsHead


class QueryCrossAttention(nn.Module):
    """Multi-head attention of ``queries`` [B, Q, D] over ``tokens`` [B, N, D]: ``q`` and a fused ``kv``
    projection, scaled dot-product attention; returns the heads concatenated, [B, Q, D] (no output
    projection: the caller owns it)."""

    def __init__(self, embed_dims: int, num_heads: int, qkv_bias: bool = False):
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'model.head.in_channels={embed_dims} is not divisible by '
                             f'model.head.num_heads={num_heads}')
        self.num_heads = num_heads
        self.q = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.kv = nn.Linear(embed_dims, 2 * embed_dims, bias=qkv_bias)

    def forward(self, queries: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        batch_size, num_queries, dims = queries.shape
        head_dims = dims // self.num_heads
        q = self.q(queries).reshape(batch_size, num_queries, self.num_heads, head_dims).transpose(1, 2)
        k, v = self.kv(tokens).reshape(batch_size, -1, 2, self.num_heads, head_dims).permute(2, 0, 3, 1, 4)
        return attention(q, k, v).transpose(1, 2).reshape(batch_size, num_queries, dims)


@MODELS.register_module()
class AttentivePoolingClsHead(TokenClsHead):
    """Attentive-probe classification head of `ECG-JEPA <https://arxiv.org/abs/2410.13867>`_.

    Input: the backbone's output tuple; its last item must be the token sequence [B, N, in_channels] (after
    the encoder's final norm; in the official linear evaluation the register token is kept in it, prepended
    to the patch tokens, and the query attends to both). Output: logits [B, num_classes].

    Official structure (``complete_block=False``, the one its ``linear.yaml`` uses): a learned query
    ``[1, 1, D]`` (truncated normal, std 0.02), ``q = Linear(D, D)`` on the query and ``kv = Linear(D, 2D)`` on
    the tokens, both without bias, ``num_heads`` heads (the encoder's), softmax attention, then one
    ``Linear(D, num_classes)`` without bias. No norm, no MLP, no residual: the official cross-attention's
    output projection *is* the classifier (here ``fc``). Official parameter names: ``attn_pool.query_token``,
    ``attn_pool.cross_attention_block.{q,kv,proj}`` -> ``query_token``, ``attn.{q,kv}``, ``fc``.

    ``complete_block=True``: a V-JEPA-style pooler instead (``q + xattn(q, LN(x))`` with a ``D -> D`` output
    projection, then ``q + MLP(LN(q))``), followed by ``fc`` (``finetune_after_linear.yaml``'s head).

    Loss and predictions: :class:`TokenClsHead`'s (class-mean BCE as the official code, or single-label).

    Args:
        num_classes (int): Classes.
        in_channels (int): Token width of the backbone.
        num_heads (int): Attention heads (the encoder's: 6 for ViT-S).
        complete_block (bool): V-JEPA-style pooling block instead of the bare cross-attention. Defaults to
            False.
        mlp_ratio (float): MLP width of the complete block. Defaults to 4.
        qkv_bias (bool): Bias in ``q``/``kv``. Defaults to False.
        bias (bool): Bias in the classifier (and in the complete block's projections and norms). Defaults to
            False.
        eps (float): LayerNorm epsilon of the complete block. Defaults to 1e-6.
        **kwargs: ``loss``, ``multi_label``, ``class_mean``, ``thr``, ``topk``, ``init_cfg`` of
            :class:`TokenClsHead` (None keeps the official init: truncated normal, std 0.02, for every Linear
            and the query; zero biases).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 num_heads: int,
                 complete_block: bool = False,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = False,
                 bias: bool = False,
                 eps: float = 1e-6,
                 **kwargs):
        super().__init__(num_classes=num_classes, in_channels=in_channels, bias=bias, **kwargs)
        self.complete_block = complete_block
        self.query_token = nn.Parameter(torch.zeros(1, 1, in_channels))
        self.attn = QueryCrossAttention(in_channels, num_heads, qkv_bias=qkv_bias)
        if complete_block:
            hidden = int(in_channels * mlp_ratio)
            self.norm1 = nn.LayerNorm(in_channels, eps=eps, bias=bias)
            self.attn_proj = nn.Linear(in_channels, in_channels, bias=bias)
            self.norm2 = nn.LayerNorm(in_channels, eps=eps, bias=bias)
            self.mlp = nn.Sequential(
                nn.Linear(in_channels, hidden, bias=bias), nn.GELU(), nn.Linear(hidden, in_channels, bias=bias))
        self.official_init()

    def official_init(self) -> None:
        super().official_init()
        if hasattr(self, 'query_token'):
            nn.init.trunc_normal_(self.query_token, std=0.02)

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """The pooled vector [B, in_channels] of the last backbone output [B, N, in_channels]."""
        tokens = self.tokens_of(feats)
        query = self.query_token.expand(tokens.shape[0], -1, -1)
        if not self.complete_block:
            return self.attn(query, tokens)[:, 0]
        query = query + self.attn_proj(self.attn(query, self.norm1(tokens)))
        query = query + self.mlp(self.norm2(query))
        return query[:, 0]
