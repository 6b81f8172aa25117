# Copyright (c) mmjepa contributors. All rights reserved.
from .base import TargetGenerator
from .dmt_target import DMTTargetGenerator
from .ema_target import EMATargetGenerator
from .fixed_target import FixedTargetGenerator
from .operators import HOGTarget, PixelTarget, ROAGradientTarget, patchify

__all__ = [
    'DMTTargetGenerator', 'EMATargetGenerator', 'FixedTargetGenerator', 'HOGTarget', 'PixelTarget',
    'ROAGradientTarget', 'TargetGenerator', 'patchify'
]
