# Copyright (c) mmjepa contributors. All rights reserved.
"""mmdetection3d components (imported only by LiDAR configs: ``custom_imports=dict(imports=['mmjepa',
'mmjepa.det3d'])``), so that mmjepa itself does not need mmdet3d. Registers AD-L-JEPA in mmdet3d's MODELS too."""
from mmdet3d.registry import MODELS as MMDET3D_MODELS

from ..models.algorithms.adljepa import ADLJEPA
from .bev_encoder import BEVEncoder
from .label_fraction import LabelFractionDataset
from .loading import StrictLoadPointsFromFile
from .pretrained_voxelnet import PretrainedEncoderVoxelNet
from .rotated_iou_cpu import install as _install_cpu_rotated_iou

MMDET3D_MODELS.register_module(module=ADLJEPA)
_install_cpu_rotated_iou()  # KittiMetric without a CUDA driver

__all__ = ['ADLJEPA', 'BEVEncoder', 'LabelFractionDataset', 'PretrainedEncoderVoxelNet', 'StrictLoadPointsFromFile']
