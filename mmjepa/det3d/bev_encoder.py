# Copyright (c) mmjepa contributors. All rights reserved.
"""A LiDAR encoder from mmdetection3d parts that turns voxels into one bird's-eye-view feature map."""
import math
from typing import Mapping, Optional

import torch
from mmdet3d.registry import MODELS as MMDET3D_MODELS
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


def _build(cfg: Optional[dict]):
    """Build an mmdetection3d part in its own scope (whatever the config's default scope is)."""
    if cfg is None:
        return None
    return MMDET3D_MODELS.build(dict(cfg, _scope_=cfg.get('_scope_', 'mmdet3d')))


@MODELS.register_module()
@MMDET3D_MODELS.register_module()
class BEVEncoder(BaseModule):
    """``voxel_encoder -> middle_encoder (-> backbone -> neck)``: the feature-extraction path of mmdet3d's
    ``VoxelNet`` as one encoder, with the same submodule names, so that a detector takes every part from a
    pretraining checkpoint. PointPillars: ``PillarFeatureNet``, ``PointPillarsScatter``, ``SECOND``,
    ``SECONDFPN``; SECOND's sparse 3-D encoder (AD-L-JEPA's): ``HardSimpleVFE``, ``SparseEncoder``, no 2-D parts.

    The output is the neck's first map, else the backbone's last, else the middle encoder's: ``[B, C, H, W]`` at
    ``out_stride`` voxels per cell.

    Args:
        voxel_encoder (dict), middle_encoder (dict): mmdet3d parts (``PointPillarsScatter`` or ``SparseEncoder``).
        backbone (dict, optional), neck (dict, optional): mmdet3d 2-D parts.
        embed_dims (int): Channels of the output map.
        out_stride (int): Voxels per output cell along x and y (PointPillars + SECONDFPN: 2; SparseEncoder: 8).
    """

    def __init__(self, voxel_encoder: dict, middle_encoder: dict, embed_dims: int, out_stride: int,
                 backbone: Optional[dict] = None, neck: Optional[dict] = None, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.voxel_encoder = _build(voxel_encoder)
        self.middle_encoder = _build(middle_encoder)
        self.backbone = _build(backbone)
        self.neck = _build(neck)
        self.embed_dims, self.out_stride = embed_dims, out_stride
        if hasattr(self.middle_encoder, 'output_shape'):  # PointPillarsScatter: (ny, nx)
            grid = tuple(self.middle_encoder.output_shape)[-2:]
        elif hasattr(self.middle_encoder, 'sparse_shape'):  # SparseEncoder: (nz, ny, nx)
            grid = tuple(self.middle_encoder.sparse_shape)[-2:]
        else:
            raise ValueError(f'{type(self.middle_encoder).__name__} tells no voxel grid (output_shape or '
                             'sparse_shape): BEVEncoder takes PointPillarsScatter or SparseEncoder')
        #: (H, W) of the output map
        self.bev_shape = tuple(math.ceil(n / out_stride) for n in grid)

    def forward_tokens(self, voxels: Mapping[str, torch.Tensor], batch_size: Optional[int] = None) -> torch.Tensor:
        """The BEV map of ``voxels`` (``voxels`` [N, P, F], ``num_points`` [N], ``coors`` [N, 4] ``(batch, z, y,
        x)``, as mmdet3d's ``Det3DDataPreprocessor`` gives them), ``[batch_size, C, H, W]``."""
        coors = voxels['coors']
        if batch_size is None:
            batch_size = int(coors[:, 0].max()) + 1
        features = self.voxel_encoder(voxels['voxels'], voxels['num_points'], coors)
        x = self.middle_encoder(features, coors, batch_size)
        if self.backbone is not None:
            x = self.backbone(x)
        if self.neck is not None:
            x = self.neck(x)[0]
        elif isinstance(x, (list, tuple)):
            x = x[-1]
        if tuple(x.shape[1:]) != (self.embed_dims, *self.bev_shape):
            raise ValueError(f'the encoder gives {tuple(x.shape[1:])} maps, configured [{self.embed_dims}, '
                             f'{self.bev_shape[0]}, {self.bev_shape[1]}]: check embed_dims and out_stride')
        return x

    forward = forward_tokens
