# Copyright (c) mmjepa contributors. All rights reserved.
from .layer_decay import LayerDecayOptimWrapperConstructor, vit_layer_id

__all__ = ['LayerDecayOptimWrapperConstructor', 'vit_layer_id']
