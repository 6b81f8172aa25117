# Copyright (c) mmjepa contributors. All rights reserved.
"""Parts shared by the token baseline and the concept model: a causal pre-norm transformer, the variance-only
normalisation of the paper's concept outputs, a top-k key-value memory, and GPT-2's initialisation."""
import torch
from torch import nn


class CausalTransformer(nn.Module):
    """``depth`` pre-norm GPT-2-style blocks (GELU MLP, no dropout) under a causal mask, over ``[N, L, C]``.

    Args:
        embed_dims (int): width C.
        depth (int): number of blocks (0: the identity).
        num_heads (int): attention heads.
        mlp_ratio (int): MLP hidden width / C.
        final_norm (bool): a LayerNorm after the last block (GPT-2's ``ln_f``).
    """

    def __init__(self, embed_dims: int, depth: int, num_heads: int, mlp_ratio: int = 4, final_norm: bool = False):
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims={embed_dims} must be divisible by num_heads={num_heads}')
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(embed_dims, num_heads, mlp_ratio * embed_dims, dropout=0., activation='gelu',
                                       batch_first=True, norm_first=True) for _ in range(depth)
        ])
        self.norm = nn.LayerNorm(embed_dims) if final_norm else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1], device=x.device, dtype=x.dtype)
        for layer in self.layers:
            x = layer(x, src_mask=mask, is_causal=True)
        return self.norm(x)


def variance_only_norm(x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """RMS normalisation without a learned scale: the paper's ``concept_ln_type='variance_only'``."""
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


class TopKMemory(nn.Module):
    """Key-value memory: the output is the softmax-weighted sum of the values of the ``top_k`` keys with the
    largest ``query . key / sqrt(C)``; with ``top_k=1`` it is the value of the best-matching key.

    The keys are given with each call (the concept model derives them from its frozen token embeddings, one per
    entity and per one-token concept); the values, one per key, are learned.
    """

    def __init__(self, num_keys: int, embed_dims: int, top_k: int = 1):
        super().__init__()
        if not 0 < top_k <= num_keys:
            raise ValueError(f'top_k={top_k} must be in 1..num_keys ({num_keys})')
        self.top_k = top_k
        self.values = nn.Parameter(0.02 * torch.randn(num_keys, embed_dims))

    def forward(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        if keys.shape != self.values.shape:
            raise ValueError(f'keys of shape {tuple(keys.shape)} do not match the values {tuple(self.values.shape)}')
        scores, index = (query @ keys.T / query.shape[-1]**0.5).topk(self.top_k, dim=-1)
        weights = scores.softmax(dim=-1)
        return (weights.unsqueeze(-1) * self.values[index]).sum(-2)


def gpt2_init_(module: nn.Module, std: float = 0.02) -> nn.Module:
    """GPT-2's initialisation: normal(0, 0.02) weights for linear and embedding layers, zero biases; returns the
    module. In-projections held as raw parameters (``nn.MultiheadAttention.in_proj_weight``) get the same."""
    for sub in module.modules():
        if isinstance(sub, (nn.Linear, nn.Embedding)):
            nn.init.normal_(sub.weight, std=std)
            if getattr(sub, 'bias', None) is not None:
                nn.init.zeros_(sub.bias)
        elif isinstance(sub, nn.MultiheadAttention) and sub.in_proj_weight is not None:
            nn.init.normal_(sub.in_proj_weight, std=std)
            nn.init.zeros_(sub.in_proj_bias)
    return module

