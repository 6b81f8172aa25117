# Copyright (c) mmjepa contributors. All rights reserved.
from .irpe import ContextualKeyRPE, piecewise_bucket, product_buckets
from .rel_pos_attention import RelPosMultiheadAttention, run_block, with_rel_pos

__all__ = ['ContextualKeyRPE', 'RelPosMultiheadAttention', 'piecewise_bucket', 'product_buckets', 'run_block', 'with_rel_pos']
