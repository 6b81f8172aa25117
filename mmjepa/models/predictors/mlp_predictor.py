# Copyright (c) mmjepa contributors. All rights reserved.
"""A two-layer MLP predictor of one vector (seq-JEPA, BYOL-style heads)."""
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn


@MODELS.register_module()
class MLPPredictor(BaseModule):
    """``Linear_nobias(in -> hidden) -> BN -> ReLU -> Linear(hidden -> out)``: seq-JEPA's predictor
    (`arXiv 2505.03176 <https://arxiv.org/abs/2505.03176>`_; 768 -> 1024 -> 512 on ``[agg; a_{M -> M+1}]``).

    Args:
        in_dims (int): Input width. hidden_dims (int): Hidden width. out_dims (int): Output width.
    """

    def __init__(self, in_dims: int, hidden_dims: int, out_dims: int, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.in_dims, self.out_dims = in_dims, out_dims
        self.mlp = nn.Sequential(nn.Linear(in_dims, hidden_dims, bias=False), nn.BatchNorm1d(hidden_dims),
                                 nn.ReLU(inplace=True), nn.Linear(hidden_dims, out_dims))

    def forward(self, x):
        if x.shape[-1] != self.in_dims:
            raise ValueError(f'MLPPredictor takes {self.in_dims} features, got {x.shape[-1]} (model.predictor.in_dims)')
        return self.mlp(x)
