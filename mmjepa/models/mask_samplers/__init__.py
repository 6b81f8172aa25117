# Copyright (c) mmjepa contributors. All rights reserved.
from .contiguous import ContiguousRunMaskSampler
from .local_window import LocalWindowMaskSampler
from .masks import Masks
from .multiblock import MultiBlockMaskSampler

__all__ = ['ContiguousRunMaskSampler', 'LocalWindowMaskSampler', 'Masks', 'MultiBlockMaskSampler']
