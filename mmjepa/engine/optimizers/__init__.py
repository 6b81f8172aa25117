# Copyright (c) mmjepa contributors. All rights reserved.
from .bf16_optim_wrapper import BF16OptimWrapper
from .frozen_summary import FrozenSummaryOptimWrapperConstructor
from .layer_decay import LayerDecayOptimWrapperConstructor, vit_layer_id
from .merged_groups import MergedGroupsOptimWrapperConstructor, merge_param_groups

__all__ = [
    'BF16OptimWrapper', 'FrozenSummaryOptimWrapperConstructor', 'LayerDecayOptimWrapperConstructor',
    'MergedGroupsOptimWrapperConstructor', 'merge_param_groups', 'vit_layer_id'
]
