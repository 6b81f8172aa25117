# Copyright (c) mmjepa contributors. All rights reserved.
from .base import TargetGenerator
from .dmt_target import DMTTargetGenerator
from .ema_target import EMATargetGenerator
from .fixed_target import FixedTargetGenerator

__all__ = ['DMTTargetGenerator', 'EMATargetGenerator', 'FixedTargetGenerator', 'TargetGenerator']
