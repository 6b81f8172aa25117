# Copyright (c) mmjepa contributors. All rights reserved.
"""Feature tokenizer of tables (FT-Transformer style), as `T-JEPA <https://arxiv.org/abs/2410.05016>`_ uses it:
one token per column."""
import math
from typing import Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn

from ..utils.layout import TokenLayout

_KEY = 'model.backbone.tokenizer'


def official_sincos(num_tokens: int, dims: int, base: float = 100.) -> torch.Tensor:
    """The sin-cos table of the official T-JEPA encoder ([1, N, dims]): interleaved (``sin`` on even channels,
    ``cos`` on odd ones) with frequencies ``base ** (-2i / dims)``; the official code uses ``base = 100``."""
    if dims % 2:
        raise ValueError(f'{_KEY}: the sin-cos table needs an even width, got embed_dims={dims}')
    position = torch.arange(num_tokens, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, dims, 2, dtype=torch.float32) * (-math.log(base) / dims))
    table = torch.zeros(num_tokens, dims)
    table[:, 0::2] = torch.sin(position * freq)
    table[:, 1::2] = torch.cos(position * freq)
    return table[None]


@MODELS.register_module()
class TabularTokenizer(BaseModule):
    """A row ``x`` [B, F] (``num_numeric`` standardised numeric columns, then one integer code per categorical
    column, the order :class:`mmjepa.datasets.TabularDataset` writes) becomes ``F`` tokens [B, F, D]:

    - numeric column ``j``: ``x_j * W_j + b_j``;
    - categorical column ``c`` with ``cardinalities[c]`` categories: its own embedding table, plus ``b_c``.

    ``num_cls_tokens`` learned tokens (the official ``[CLS]`` / regularisation tokens: a weight row times 1, no
    bias) may be put *in front of the sequence* (layout ``num_cls_tokens + F``), where they get a position and
    can be drawn by the masks, as in the official code. The default (0) leaves them to the encoder's
    ``num_register_tokens`` (prepended to every sequence, no position, never masked; see configs/tjepa/README.md).

    ``pos_embed=True`` adds the official sin-cos table over the token index (interleaved, base 100, cls tokens
    included); set the encoder's ``abs_pos=False`` with it. ``pos_offset``: the first token takes row
    ``pos_offset`` of the table. The official encoder gives its ``n`` cls tokens rows ``0..n-1`` and the features
    rows ``n..n+D-1``; with the cls token outside the layout (a register token of the encoder, the default
    config) ``pos_offset=1`` keeps the features on their official rows ``1..D``. Weights are initialised as the
    official code with ``init_type='trunc_normal'``: ``kaiming_uniform_(a=sqrt(5))`` for the weights and biases,
    truncated normal (std 0.02) for the embedding tables.

    Args:
        num_numeric (int): Numeric columns (first in the row).
        cardinalities (Sequence[int]): Categories of each categorical column (after the numeric ones).
        embed_dims (int): Token width (the encoder's).
        num_cls_tokens (int): Cls tokens inside the sequence (official layout). Defaults to 0.
        pos_embed (bool): Add the official sin-cos table. Defaults to True.
        bias (bool): Per-column bias. Defaults to True.
        pos_offset (int): Table row of the first token. Defaults to 0.
    """

    def __init__(self, num_numeric: int, cardinalities: Sequence[int] = (), embed_dims: int = 64,
                 num_cls_tokens: int = 0, pos_embed: bool = True, bias: bool = True, pos_offset: int = 0,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        cardinalities = [int(c) for c in cardinalities]
        if int(num_numeric) != num_numeric or num_numeric < 0:
            raise ValueError(f'{_KEY}.num_numeric={num_numeric} must be a non-negative integer')
        if any(c < 1 for c in cardinalities):
            raise ValueError(f'{_KEY}.cardinalities={cardinalities} must all be >= 1')
        if num_numeric + len(cardinalities) == 0:
            raise ValueError(f'{_KEY}: a table needs at least one column (num_numeric=0, cardinalities=[])')
        if num_cls_tokens < 0:
            raise ValueError(f'{_KEY}.num_cls_tokens={num_cls_tokens} must be >= 0')
        if int(pos_offset) != pos_offset or pos_offset < 0:
            raise ValueError(f'{_KEY}.pos_offset={pos_offset} must be a non-negative integer')
        self.pos_offset = int(pos_offset)
        self.num_numeric, self.cardinalities = int(num_numeric), cardinalities
        self.num_features = self.num_numeric + len(cardinalities)
        self.num_cls_tokens, self.embed_dims = num_cls_tokens, embed_dims
        self.layout = TokenLayout((num_cls_tokens + self.num_features, ))
        self.weight = nn.Parameter(torch.empty(num_cls_tokens + self.num_numeric, embed_dims))
        self.bias = nn.Parameter(torch.empty(self.num_features, embed_dims)) if bias else None
        self.category_embeddings = nn.ModuleList(nn.Embedding(c, embed_dims) for c in cardinalities)
        for p in (self.weight, self.bias):
            if p is not None:
                nn.init.kaiming_uniform_(p, a=math.sqrt(5))
        for emb in self.category_embeddings:
            nn.init.trunc_normal_(emb.weight, std=0.02)
        table = official_sincos(self.pos_offset + self.layout.num_tokens, embed_dims)[:, self.pos_offset:]
        self.register_buffer('pos_table', table.contiguous() if pos_embed else None, persistent=False)
        self.register_buffer('cardinality', torch.tensor(cardinalities, dtype=torch.long), persistent=False)

    @torch.no_grad()
    def init_cls_tokens_(self, tokens: torch.Tensor) -> None:
        """Initialise tokens [1, n, D] that stand for the official ``[CLS]`` tokens outside the layout (the
        encoder's register tokens) to the official value before the blocks: a weight row
        (``kaiming_uniform_(a=sqrt(5))``: uniform in +-1/sqrt(D)) plus, with ``pos_embed``, its table row
        (rows ``0..n-1``, in front of the features' rows from ``pos_offset``)."""
        bound = 1 / math.sqrt(self.embed_dims)
        tokens.uniform_(-bound, bound)
        if self.pos_table is not None:
            tokens.add_(official_sincos(tokens.shape[1], self.embed_dims).to(tokens))

    def check_codes(self, codes: torch.Tensor) -> torch.Tensor:
        """The categorical part of the rows as int64 codes; an error names the first bad column and row."""
        index = codes.long()
        bad = (index != codes) | (index < 0) | (index >= self.cardinality)
        if bool(bad.any()):
            row, col = (int(i) for i in bad.nonzero()[0])
            raise ValueError(f'TabularTokenizer: row {row} of the batch has code {codes[row, col].item()} in '
                             f'categorical column {col} (row column {self.num_numeric + col}), which has '
                             f'{self.cardinalities[col]} categories ({_KEY}.cardinalities); codes must be integers '
                             'in [0, cardinality)')
        return index

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, TokenLayout]:
        """``x`` [B, F] -> tokens [B, num_cls_tokens + F, embed_dims] and their :class:`TokenLayout`."""
        if x.dim() != 2 or x.shape[1] != self.num_features:
            raise ValueError(f'TabularTokenizer: expected rows [B, {self.num_features}] ({self.num_numeric} numeric '
                             f'+ {len(self.cardinalities)} categorical columns, {_KEY}), got {tuple(x.shape)}')
        batch = x.shape[0]
        numeric = torch.cat([x.new_ones(batch, self.num_cls_tokens), x[:, :self.num_numeric]], dim=1)
        tokens = [self.weight * numeric[:, :, None].to(self.weight.dtype)]
        if self.cardinalities:
            codes = self.check_codes(x[:, self.num_numeric:])
            tokens.append(torch.stack([emb(codes[:, c]) for c, emb in enumerate(self.category_embeddings)], dim=1))
        tokens = torch.cat(tokens, dim=1)
        if self.bias is not None:
            tokens = torch.cat([tokens[:, :self.num_cls_tokens], tokens[:, self.num_cls_tokens:] + self.bias], dim=1)
        if self.pos_table is not None:
            tokens = tokens + self.pos_table.to(tokens.dtype)
        return tokens, self.layout

    def layout_of(self, x: torch.Tensor) -> TokenLayout:
        return self.layout

    def extra_repr(self) -> str:
        return (f'num_numeric={self.num_numeric}, cardinalities={self.cardinalities}, '
                f'num_cls_tokens={self.num_cls_tokens}, pos_offset={self.pos_offset}, layout={self.layout.grid}')
