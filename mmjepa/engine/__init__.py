# Copyright (c) mmjepa contributors. All rights reserved.
from .optimizers import LayerDecayOptimWrapperConstructor
from .schedulers import WarmupCosineLR, WarmupCosineParamScheduler

__all__ = ["LayerDecayOptimWrapperConstructor", "WarmupCosineLR", "WarmupCosineParamScheduler"]
