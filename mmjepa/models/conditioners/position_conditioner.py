# Copyright (c) mmjepa contributors. All rights reserved.
"""Conditioning of an encoder on the patch positions of another window (EC-IJEPA)."""
from typing import Dict, Optional

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn

from ..utils import gather_tokens, jepa_init_
from ..utils.layout import TokenLayout


@MODELS.register_module()
class PositionConditioner(BaseModule):
    """Encodes the patch positions of the *other* window for `EC-IJEPA <https://arxiv.org/abs/2410.10773>`_.

    **An interpretation**: the paper conditions the context encoder on the target positions and the target
    encoder on the context positions, but its exact operator is not public. Here each position ``p`` becomes
    ``W PE(p) + e_role``, with ``PE`` the encoder's fixed sin-cos table, ``W`` a learned Linear and
    ``e_role`` a learned type embedding telling target positions (given to the context encoder) from context
    positions (given to the target encoder). ``mode='tokens'`` (default) returns one conditioning token per
    position (``cond_tokens``: appended to the encoder input, dropped at its output);
    ``mode='add'`` returns ``W mean_p PE(p) + e_role`` (``cond_shift``: added to every patch token).
    The returned dict is passed as keyword arguments to :meth:`JEPAViT.forward_tokens`.

    Args:
        embed_dims (int): Encoder width.
        layout (TokenLayout): The encoder's token layout (the table is its sin-cos table).
        mode (str): ``'tokens'`` or ``'add'``. Defaults to ``'tokens'``.
    """
    ROLES = ('target', 'context')
    MODES = ('tokens', 'add')

    def __init__(self, embed_dims: int, layout: TokenLayout, mode: str = 'tokens',
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if mode not in self.MODES:
            raise ValueError(f'mode={mode!r} must be one of {self.MODES}')
        self.mode = mode
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.type_embed = nn.Parameter(torch.zeros(len(self.ROLES), embed_dims))
        self.register_buffer('pos_embed', layout.sincos(embed_dims),
                             persistent=False)

    def init_weights(self):
        super().init_weights()
        if not (isinstance(self.init_cfg, dict) and self.init_cfg['type'] == 'Pretrained'):
            jepa_init_(self)
            nn.init.trunc_normal_(self.type_embed, std=0.02)

    def forward(self, positions: torch.Tensor, role: str) -> Dict[str, torch.Tensor]:
        """``positions``: patch indices [B, M], or target blocks [T, B, Kt] (all blocks of an image
        together). ``role``: ``'target'`` or ``'context'`` (whose positions these are)."""
        if role not in self.ROLES:
            raise ValueError(f'role={role!r} must be one of {self.ROLES}')
        if positions.dim() == 3:
            positions = positions.permute(1, 0, 2).flatten(1)
        pe = gather_tokens(self.pos_embed.expand(positions.shape[0], -1, -1), positions)
        type_embed = self.type_embed[self.ROLES.index(role)]
        if self.mode == 'tokens':
            return dict(cond_tokens=self.proj(pe) + type_embed)
        return dict(cond_shift=self.proj(pe.mean(dim=1, keepdim=True)) + type_embed)
