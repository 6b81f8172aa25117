# Copyright (c) mmjepa contributors. All rights reserved.
"""Scaled dot-product attention that picks the faster kernel for reduced precision on the CPU."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, attn_mask: Optional[torch.Tensor] = None,
              dropout_p: float = 0., scale: Optional[float] = None) -> torch.Tensor:
    """``F.scaled_dot_product_attention``, except for bf16/fp16 tensors on the CPU: there it runs as two
    matmuls around a float32 softmax.

    PyTorch's fused CPU attention kernel is slow in bf16: forward and backward of [32, 6, 150, 64] took
    164 ms against 66 ms for the matmul form (one Zen 4 core with AVX-512 BF16, torch 2.13; the matmuls use
    the bf16 GEMM). The softmax is computed in float32, as CUDA autocast does for the official code's explicit
    attention. GPUs and float32 keep the fused kernels (flash / memory-efficient attention).

    ``attn_mask``: boolean (True = attend) or additive, broadcastable to [..., Lq, Lk].
    """
    if q.device.type != 'cpu' or q.dtype not in (torch.bfloat16, torch.float16):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, dropout_p=dropout_p, scale=scale)
    scale = q.shape[-1]**-0.5 if scale is None else scale
    logits = (q @ k.transpose(-2, -1)).float() * scale
    if attn_mask is not None:
        logits = logits.masked_fill(~attn_mask, float('-inf')) if attn_mask.dtype == torch.bool \
            else logits + attn_mask
    weights = logits.softmax(dim=-1).to(v.dtype)
    if dropout_p > 0.:
        weights = F.dropout(weights, p=dropout_p)
    return weights @ v


def use_attention(module: nn.Module) -> nn.Module:
    """Make every mmpretrain ``MultiheadAttention`` inside ``module`` that calls
    ``F.scaled_dot_product_attention`` call :func:`attention` instead (one with ``qk_scale`` keeps its own
    implementation); returns ``module``."""
    for sub in module.modules():
        if getattr(sub, 'scaled_dot_product_attention', None) is F.scaled_dot_product_attention:
            sub.scaled_dot_product_attention = attention
    return module
