# Copyright (c) mmjepa contributors. All rights reserved.
from . import hooks  # noqa: F401
from .loops import ResumableEpochBasedTrainLoop
from .optimizers import BF16OptimWrapper, LayerDecayOptimWrapperConstructor
from .schedulers import CosineWeightDecay, OneCycleLRPlainState, WarmupCosineLR, WarmupCosineParamScheduler

__all__ = [
    'ResumableEpochBasedTrainLoop', 'BF16OptimWrapper', 'CosineWeightDecay', 'LayerDecayOptimWrapperConstructor',
    'OneCycleLRPlainState', 'WarmupCosineLR', 'WarmupCosineParamScheduler'
]
