# Copyright (c) mmjepa contributors. All rights reserved.
from .masks import Masks
from .multiblock import MultiBlockMaskSampler

__all__ = ['Masks', 'MultiBlockMaskSampler']
