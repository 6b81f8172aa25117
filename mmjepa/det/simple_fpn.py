# Copyright (c) mmjepa contributors. All rights reserved.
"""The ViTDet simple feature pyramid (`Li et al., 2022 <https://arxiv.org/abs/2203.16527>`_): a multi-scale
pyramid built from the single-scale output of a plain ViT by deconvolutions and pooling."""
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmengine.model import BaseModule
from torch import nn


class LayerNorm2d(nn.Module):
    """LayerNorm over the channels of a [B, C, H, W] map (ViTDet's ``LN2d``)."""
    _abbr_ = 'ln'

    def __init__(self, num_channels: int, eps: float = 1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(num_channels))
        self.bias = nn.Parameter(torch.zeros(num_channels))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.layer_norm(x.permute(0, 2, 3, 1), x.shape[1:2], self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


if 'LN2d' not in MODELS.module_dict:  # ViTDet's project registers the same name; either works
    MODELS.register_module('LN2d', module=LayerNorm2d)


def _conv_norm(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False),
        LayerNorm2d(out_channels))


@MODELS.register_module()
class SimpleFPN(BaseModule):
    """Simple feature pyramid from one ViT feature map.

    Each scale factor gets its own branch from the ViT map (stride ``s``): 4 -> two 2x2 deconvolutions
    (with LN2d + GELU between), 2 -> one deconvolution, 1 -> identity, 0.5 / 0.25 -> max pooling. Each branch
    then goes through a 1x1 and a 3x3 conv, both followed by LN2d. Levels beyond the branches
    (``num_outs``) are max-pooled (kernel 1, stride 2) from the last one, as in ViTDet.

    Args:
        in_channels (int): Channels of the ViT map (embed dims).
        out_channels (int): Channels of every pyramid level.
        scale_factors (Sequence[float]): Resolution of each level relative to the ViT map; (4, 2, 1, 0.5)
            for a patch-16 ViT gives strides 4-32; (2, 1, 0.5, 0.25) for a patch-8 ViT gives the same.
        num_outs (int): Number of levels, >= ``len(scale_factors)``.
    """

    def __init__(self, in_channels: int, out_channels: int = 256,
                 scale_factors: Sequence[float] = (4.0, 2.0, 1.0, 0.5), num_outs: int = 5, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if num_outs < len(scale_factors):
            raise ValueError(f'num_outs={num_outs} < {len(scale_factors)} scale factors')
        self.scale_factors = tuple(float(s) for s in scale_factors)
        self.num_outs = num_outs
        self.branches = nn.ModuleList()
        self.lateral_convs = nn.ModuleList()
        self.fpn_convs = nn.ModuleList()
        c = in_channels
        for scale in self.scale_factors:
            if scale == 4.0:
                branch, dim = nn.Sequential(
                    nn.ConvTranspose2d(c, c // 2, 2, stride=2), LayerNorm2d(c // 2), nn.GELU(),
                    nn.ConvTranspose2d(c // 2, c // 4, 2, stride=2)), c // 4
            elif scale == 2.0:
                branch, dim = nn.ConvTranspose2d(c, c // 2, 2, stride=2), c // 2
            elif scale == 1.0:
                branch, dim = nn.Identity(), c
            elif scale in (0.5, 0.25):
                k = int(round(1 / scale))
                branch, dim = nn.MaxPool2d(k, stride=k), c
            else:
                raise ValueError(f'Unsupported scale factor {scale}: use 4, 2, 1, 0.5 or 0.25')
            self.branches.append(branch)
            self.lateral_convs.append(_conv_norm(dim, out_channels, 1))
            self.fpn_convs.append(_conv_norm(out_channels, out_channels, 3))

    def forward(self, inputs: Union[torch.Tensor, Sequence[torch.Tensor]]) -> Tuple[torch.Tensor, ...]:
        x = inputs if isinstance(inputs, torch.Tensor) else inputs[-1]
        outs: List[torch.Tensor] = [
            fpn(lateral(branch(x))) for branch, lateral, fpn in zip(self.branches, self.lateral_convs, self.fpn_convs)]
        while len(outs) < self.num_outs:
            outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)
