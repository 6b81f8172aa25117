# Copyright (c) mmjepa contributors. All rights reserved.
from .rel_pos_attention import RelPosMultiheadAttention, with_rel_pos

__all__ = ['RelPosMultiheadAttention', 'with_rel_pos']
