# Copyright (c) mmjepa contributors. All rights reserved.
from .contiguous import ContiguousRunMaskSampler
from .masks import Masks
from .multiblock import MultiBlockMaskSampler

__all__ = ['ContiguousRunMaskSampler', 'Masks', 'MultiBlockMaskSampler']
