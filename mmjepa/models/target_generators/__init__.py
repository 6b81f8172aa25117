# Copyright (c) mmjepa contributors. All rights reserved.
from .ema_target import EMATargetGenerator

__all__ = ['EMATargetGenerator']
