# Copyright (c) mmjepa contributors. All rights reserved.
"""A predictor that maps every encoded token to its target (the encoder has already put mask tokens in)."""
from typing import Optional, Union

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn

from ..layers.block import build_blocks, final_norm
from ..layers.rel_pos_attention import run_block, with_rel_pos
from ..mask_samplers.masks import Masks
from ..utils import apply_init, gather_tokens
from ..utils.layout import TokenLayout


@MODELS.register_module()
class TokenPredictor(BaseModule):
    """``Linear(D -> P)`` -> ``depth`` transformer blocks of width ``P`` -> LayerNorm -> ``Linear(P -> out_dims)``
    over the tokens of each context sequence, for algorithms that hide the targets inside the encoder
    (`SAR-JEPA <https://arxiv.org/abs/2311.15153>`_: 768 -> 512, 8 blocks, -> 1024 gradient features per
    patch). With ``rel_pos`` the blocks get the relative position of the tokens (SAR-JEPA's iRPE); without
    it they get the layout's sin-cos table.

    Args:
        embed_dims (int): Encoder width D (set by the algorithm).
        num_heads (int): Attention heads. The algorithm passes the encoder's; SAR-JEPA's config sets 16.
        layout (TokenLayout): The encoder's token layout (set by the algorithm).
        out_dims (int): Width of the targets (e.g. ``ROAGradientTarget.feature_dim``).
        predictor_dims (int): Defaults to 512. depth (int): Defaults to 8.
        mlp_ratio (float): Defaults to 4. rel_pos (dict, optional): e.g. ``dict(type='ContextualKeyRPE')``.
        block_cfg (dict, optional): The blocks' conventions (:func:`build_blocks`). Defaults to I-JEPA's.
        init_scheme (str | dict): Named init (:data:`mmjepa.models.utils.INIT_SCHEMES`). Defaults to 'ijepa'.
    """

    def __init__(self, embed_dims: int, num_heads: int, layout: TokenLayout, out_dims: int,
                 predictor_dims: int = 512, depth: int = 8, mlp_ratio: float = 4., rel_pos: Optional[dict] = None,
                 norm_cfg: dict = dict(type='LN', eps=1e-6), block_cfg: Optional[dict] = None,
                 init_scheme: Union[str, dict] = 'ijepa', init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.layout = layout
        self.embed = nn.Linear(embed_dims, predictor_dims)
        self.layers = build_blocks(depth, predictor_dims, num_heads, int(predictor_dims * mlp_ratio), block_cfg,
                                   norm_cfg=norm_cfg)
        self.rel_pos = rel_pos is not None
        if self.rel_pos:
            with_rel_pos(self.layers, rel_pos)
        else:
            self.register_buffer('pos_embed', layout.sincos(predictor_dims), persistent=False)
        self.ln1 = final_norm(norm_cfg, predictor_dims, block_cfg)
        self.init_scheme = init_scheme
        self.proj = nn.Linear(predictor_dims, out_dims)

    def init_weights(self):
        super().init_weights()
        if not (isinstance(self.init_cfg, dict) and self.init_cfg['type'] == 'Pretrained'):
            apply_init(self, self.init_scheme)

    def forward(self, tokens: torch.Tensor, masks: Masks, num_prefix_tokens: int = 0) -> torch.Tensor:
        """``tokens`` [S, P + Kc, D]: ``P`` prefix tokens (the encoder's registers: SAR-JEPA's cls token, which
        the official decoder carries and drops at its output) then those of ``masks.context`` -> predictions
        [S, Kc, out_dims] of the context tokens."""
        x = self.embed(tokens)
        num = masks.context.shape[1]
        if x.shape[1] != num_prefix_tokens + num:
            raise ValueError(f'TokenPredictor: {x.shape[1]} tokens for {num_prefix_tokens} prefix and {num} context '
                             'tokens')
        coords = None
        if self.rel_pos:
            coords = self.layout.coordinates().to(x.device)[masks.context]
        else:
            pos = gather_tokens(self.pos_embed.expand(x.shape[0], -1, -1), masks.context)
            x = torch.cat([x[:, :num_prefix_tokens], x[:, num_prefix_tokens:] + pos], dim=1)
        for layer in self.layers:
            x = run_block(layer, x, coords, (num_prefix_tokens, num))
        return self.proj(self.ln1(x[:, num_prefix_tokens:]))
