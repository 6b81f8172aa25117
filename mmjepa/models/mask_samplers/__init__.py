# Copyright (c) mmjepa contributors. All rights reserved.
from .contiguous import ContiguousRunMaskSampler
from .multiblock import MultiBlockMaskSampler

__all__ = ['ContiguousRunMaskSampler', 'MultiBlockMaskSampler']
