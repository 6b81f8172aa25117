# Copyright (c) mmjepa contributors. All rights reserved.
from .attentive_pooling import AttentivePoolingClsHead
from .local_agg_head import LocalAggHead
from .token_cls_head import TokenClsHead

__all__ = ['AttentivePoolingClsHead', 'LocalAggHead', 'TokenClsHead']
