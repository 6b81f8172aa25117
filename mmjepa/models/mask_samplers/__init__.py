# Copyright (c) mmjepa contributors. All rights reserved.
from .multiblock import MultiBlockMaskSampler

__all__ = ['MultiBlockMaskSampler']
