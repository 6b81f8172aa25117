# Copyright (c) mmjepa contributors. All rights reserved.
"""Multi-head self-attention with a relative position term on the logits (iRPE and the like)."""
from typing import Optional, Tuple

import torch
from mmpretrain.models.utils import MultiheadAttention
from mmpretrain.registry import MODELS
from torch import nn

from ..utils.attention import attention


class RelPosMultiheadAttention(MultiheadAttention):
    """mmpretrain's ``MultiheadAttention`` (same parameter names: ``qkv``, ``proj``) whose logits get the
    bias of a relative position module ``rel_pos`` (``forward(q [B, H, P + N, hd], coords [N | B, N, ndim],
    num_prefix_tokens=P) -> [B, H, P + N, P + N]``, added to the scaled logits) among the prefix (register)
    tokens and the ``span`` tokens; tokens after the span (conditioning) get none. Without ``coords`` it is
    the plain attention.

    Build it from an existing layer's attention with :func:`with_rel_pos`.
    """

    def forward(self, x: torch.Tensor, coords: Optional[torch.Tensor] = None,
                span: Optional[Tuple[int, int]] = None) -> torch.Tensor:
        batch_size, num_tokens, _ = x.shape
        qkv = self.qkv(x).reshape(batch_size, num_tokens, 3, self.num_heads, self.head_dims).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        bias = None
        if coords is not None:
            start, num = span if span is not None else (0, num_tokens)
            rel = self.rel_pos(q[:, :, :start + num], coords, num_prefix_tokens=start).to(q.dtype)
            if start + num == num_tokens:
                bias = rel
            else:
                bias = q.new_zeros(batch_size, self.num_heads, num_tokens, num_tokens)
                bias[:, :, :start + num, :start + num] = rel
        out = attention(q, k, v, attn_mask=bias, dropout_p=self.attn_drop if self.training else 0.)
        out = out.transpose(1, 2).reshape(batch_size, num_tokens, self.embed_dims)
        out = self.out_drop(self.gamma1(self.proj_drop(self.proj(out))))
        if self.v_shortcut:
            out = v.squeeze(1) + out
        return out


def with_rel_pos(layers: nn.ModuleList, rel_pos: dict) -> nn.ModuleList:
    """Turn the attention of every mmpretrain ``TransformerEncoderLayer`` of ``layers`` into a
    :class:`RelPosMultiheadAttention` with its own ``rel_pos`` module (``head_dims`` and ``num_heads`` given),
    keeping the parameters (and their names)."""
    for layer in layers:
        attn = layer.attn
        attn.__class__ = RelPosMultiheadAttention
        attn.rel_pos = MODELS.build(rel_pos, default_args=dict(head_dims=attn.head_dims, num_heads=attn.num_heads))
    return layers


def run_block(layer: nn.Module, x: torch.Tensor, coords: Optional[torch.Tensor] = None,
              span: Optional[Tuple[int, int]] = None) -> torch.Tensor:
    """``layer(x)`` for an mmpretrain ``TransformerEncoderLayer``, with the token coordinates given to its
    :class:`RelPosMultiheadAttention` when ``coords`` is not None (the same residual block, pre- or post-norm)."""
    if coords is None:
        return layer(x)
    if not getattr(layer, 'norm_first', True):  # a post-norm JEPABlock
        x = layer.ln1(x + layer.attn(x, coords=coords, span=span))
        return layer.ln2(layer.ffn(x, identity=x))
    x = x + layer.attn(layer.ln1(x), coords=coords, span=span)
    return layer.ffn(layer.ln2(x), identity=x)
