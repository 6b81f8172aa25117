# Copyright (c) mmjepa contributors. All rights reserved.
"""mmdetection components (imported only by detection configs: ``custom_imports=dict(imports=['mmjepa',
'mmjepa.det'])``), so that mmjepa itself does not need mmdet."""
from .simple_fpn import LayerNorm2d, SimpleFPN

__all__ = ['LayerNorm2d', 'SimpleFPN']
