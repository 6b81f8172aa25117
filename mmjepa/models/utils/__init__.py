# Copyright (c) mmjepa contributors. All rights reserved.
from .attention import attention, use_attention
from .ema import ema_update_, linear_momentum
from .init import INIT_SCHEMES, apply_init, jepa_init_
from .neighbours import neighbour_table, topk_neighbours
from .pos_embed import sincos_1d, sincos_2d_position_embedding
from .tokens import gather_tokens

__all__ = [
    'INIT_SCHEMES', 'apply_init', 'attention', 'use_attention', 'ema_update_', 'jepa_init_', 'linear_momentum', 'sincos_1d',
    'sincos_2d_position_embedding', 'gather_tokens', 'neighbour_table', 'topk_neighbours'
]
