# Copyright (c) mmjepa contributors. All rights reserved.
"""mmdetection3d components (imported only by LiDAR configs: ``custom_imports=dict(imports=['mmjepa',
'mmjepa.det3d'])``), so that mmjepa itself does not need mmdet3d. Registers AD-L-JEPA in mmdet3d's MODELS too."""
from mmdet3d.registry import MODELS as MMDET3D_MODELS

from ..models.algorithms.adljepa import ADLJEPA
from .bev_encoder import BEVEncoder

MMDET3D_MODELS.register_module(module=ADLJEPA)

__all__ = ['ADLJEPA', 'BEVEncoder']
