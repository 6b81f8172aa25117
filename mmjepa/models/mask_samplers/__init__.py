# Copyright (c) mmjepa contributors. All rights reserved.
from .bev_cells import BEVCellMaskSampler, BEVMasks
from .contiguous import ContiguousRunMaskSampler
from .feature_subset import FeatureSubsetMaskSampler
from .local_window import LocalWindowMaskSampler
from .masks import Masks
from .multiblock import MultiBlockMaskSampler

__all__ = ['BEVCellMaskSampler', 'BEVMasks', 'ContiguousRunMaskSampler', 'FeatureSubsetMaskSampler', 'LocalWindowMaskSampler', 'Masks', 'MultiBlockMaskSampler']
