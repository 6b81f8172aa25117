# Copyright (c) mmjepa contributors. All rights reserved.
"""LayerNorm of pooled features, as a neck (MAE / SAR-JEPA fine-tuning's ``fc_norm`` after global pooling)."""
from typing import Tuple

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn


@MODELS.register_module()
class FeatureLayerNorm(BaseModule):
    """``LayerNorm(num_features)`` on each pooled feature of a tuple ([B, C] each): the ``fc_norm`` that MAE-style
    fine-tuning (SAR-JEPA's ``global_pool=True``) puts between global average pooling and the head, kept out of
    the backbone so that a transfer into the backbone stays strict.

    Args:
        num_features (int): Feature width C.
        eps (float): Defaults to 1e-6.
    """

    def __init__(self, num_features: int, eps: float = 1e-6, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.norm = nn.LayerNorm(num_features, eps=eps)

    def forward(self, inputs: Tuple[torch.Tensor, ...]) -> Tuple[torch.Tensor, ...]:
        if not isinstance(inputs, tuple):
            raise TypeError(f'FeatureLayerNorm takes the tuple of pooled features of a neck, got {type(inputs)}')
        return tuple(self.norm(x) for x in inputs)
