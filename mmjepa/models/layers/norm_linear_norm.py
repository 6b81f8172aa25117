# Copyright (c) mmjepa contributors. All rights reserved.
"""The LN-Linear-LN head of the official T-JEPA ``TabularEncoder`` (encoder and predictor)."""
import torch
from mmcv.cnn import build_norm_layer
from torch import nn

from .block import norm_cfg_with_bias


class NormLinearNorm(nn.Module):
    """``norm2(drop(fc(norm1(drop(x)))))``: the output head of the official T-JEPA ``TabularEncoder`` (its
    ``dropout1``, ``layernorm1``, ``fc``, ``dropout2``, ``layernorm2``, the dropout being the blocks')."""

    def __init__(self, dims: int, norm_cfg: dict, bias: bool = True, drop: float = 0.):
        super().__init__()
        self.norm1 = build_norm_layer(norm_cfg_with_bias(norm_cfg, bias), dims)[1]
        self.fc = nn.Linear(dims, dims, bias=bias)
        self.norm2 = build_norm_layer(norm_cfg_with_bias(norm_cfg, bias), dims)[1]
        self.drop = nn.Dropout(drop) if drop else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm2(self.drop(self.fc(self.norm1(self.drop(x)))))
