# Copyright (c) mmjepa contributors. All rights reserved.
from .bf16_optim_wrapper import BF16OptimWrapper
from .frozen_summary import FrozenSummaryOptimWrapperConstructor
from .layer_decay import LayerDecayOptimWrapperConstructor, vit_layer_id

__all__ = [
    'BF16OptimWrapper', 'FrozenSummaryOptimWrapperConstructor', 'LayerDecayOptimWrapperConstructor', 'vit_layer_id'
]
