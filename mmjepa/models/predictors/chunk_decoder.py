# Copyright (c) mmjepa contributors. All rights reserved.
"""The chunk decoder of `ACT-JEPA <https://arxiv.org/abs/2501.14622>`_: learned queries through a transformer
decoder over a context (its action decoder and its JEPA predictor)."""
import torch
from mmpretrain.registry import MODELS
from torch import nn


@MODELS.register_module()
class ChunkDecoder(nn.Module):
    """``num_queries`` learned queries through a transformer decoder over the encoded context, then a linear
    head: the action decoder (``out_dims`` = action width) and the JEPA predictor (``out_dims`` = token width)
    of ACT-JEPA."""

    def __init__(self, embed_dims: int, num_queries: int, out_dims: int, num_layers: int = 2, num_heads: int = 4,
                 ffn_ratio: float = 4.0, dropout: float = 0.0):
        super().__init__()
        self.num_queries, self.out_dims = num_queries, out_dims
        self.queries = nn.Parameter(torch.randn(1, num_queries, embed_dims) * 0.02)
        layer = nn.TransformerDecoderLayer(embed_dims, num_heads, int(embed_dims * ffn_ratio), dropout,
                                           activation='gelu', batch_first=True, norm_first=True)
        self.decoder = nn.TransformerDecoder(layer, num_layers, norm=nn.LayerNorm(embed_dims))
        self.head = nn.Linear(embed_dims, out_dims)

    def forward(self, memory: torch.Tensor) -> torch.Tensor:
        queries = self.queries.expand(memory.shape[0], -1, -1)
        return self.head(self.decoder(queries, memory))
