# Copyright (c) mmjepa contributors. All rights reserved.
from .block import BLOCK_CFG_KEYS, JEPABlock, build_blocks, check_block_cfg, final_norm, norm_cfg_with_bias
from .norm_linear_norm import NormLinearNorm
from .irpe import ContextualKeyRPE, piecewise_bucket, product_buckets
from .rel_pos_attention import RelPosMultiheadAttention, run_block, with_rel_pos

__all__ = [
    'BLOCK_CFG_KEYS', 'ContextualKeyRPE', 'JEPABlock', 'NormLinearNorm', 'RelPosMultiheadAttention', 'build_blocks',
    'check_block_cfg', 'final_norm', 'norm_cfg_with_bias', 'piecewise_bucket', 'product_buckets', 'run_block',
    'with_rel_pos'
]
