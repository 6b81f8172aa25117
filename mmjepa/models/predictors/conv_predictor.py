# Copyright (c) mmjepa contributors. All rights reserved.
"""A stack of 3x3 convolutions that predicts a dense feature map from a dense context map (AD-L-JEPA)."""
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn


@MODELS.register_module()
class ConvPredictor(BaseModule):
    """``num_layers`` x (3x3 conv, BN, ReLU) at a constant width: the predictor of
    `AD-L-JEPA <https://arxiv.org/abs/2501.04969>`_ (3 layers at the encoder's 256 BEV channels).

    Args:
        embed_dims (int): Channels in and out (the algorithm passes the encoder's).
        num_layers (int): Convolution blocks. Defaults to 3.
    """

    def __init__(self, embed_dims: int, num_layers: int = 3, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.embed_dims = embed_dims
        self.blocks = nn.Sequential(*[
            nn.Sequential(nn.Conv2d(embed_dims, embed_dims, 3, padding=1), nn.BatchNorm2d(embed_dims), nn.ReLU())
            for _ in range(num_layers)])

    def forward(self, x):
        if x.dim() != 4 or x.shape[1] != self.embed_dims:
            raise ValueError(f'ConvPredictor takes [B, {self.embed_dims}, H, W] maps, got {tuple(x.shape)} '
                             '(model.predictor.embed_dims)')
        return self.blocks(x)
