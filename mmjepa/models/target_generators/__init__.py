# Copyright (c) mmjepa contributors. All rights reserved.
from .dmt_target import DMTTargetGenerator
from .ema_target import EMATargetGenerator

__all__ = ['DMTTargetGenerator', 'EMATargetGenerator']
