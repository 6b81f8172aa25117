# Copyright (c) mmjepa contributors. All rights reserved.
from .dmt_target import DMTTargetGenerator
from .ema_target import EMATargetGenerator
from .operators import HOGTarget, PixelTarget, ROAGradientTarget, patchify

__all__ = ['DMTTargetGenerator', 'EMATargetGenerator', 'HOGTarget', 'PixelTarget', 'ROAGradientTarget', 'patchify']
