# Copyright (c) mmjepa contributors. All rights reserved.
"""AD-L-JEPA: LiDAR BEV cells split context / target; predict the target encoder's features of the masked cells."""
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS
from torch import nn

from ..mask_samplers.bev_cells import BEVMasks
from .base import BaseJEPA


@MODELS.register_module()
class ADLJEPA(BaseJEPA):
    """`AD-L-JEPA <https://arxiv.org/abs/2501.04969>`_ (official code ``HaoranZhuExplorer/AD-L-JEPA-Release``, on
    OpenPCDet): self-supervised pretraining of a LiDAR BEV encoder.

    The occupied BEV cells of the batch are split keep / mask, the empty ones context / target
    (:class:`BEVCellMaskSampler`). The context encoder (:class:`BEVEncoder`) sees only the points of the kept
    cells; its map shows a learnable mask token on every other cell and a learnable empty token on the context's
    empty cells; L2-normalised, it goes through :class:`ConvPredictor` and is normalised again. The EMA target
    encoder sees only the points of the masked cells; its map shows the empty token on the target's empty cells;
    L2-normalised. Loss: :class:`BEVCellJEPALoss`. The encoder to evaluate is the online (context) encoder, the
    one the official fine-tuning loads.

    As in the official code the empty token on the target side is not detached (it learns from both sides) and the
    target encoder runs its batch norms on the batch (``batch_stats=True``); ``detach_empty_target=True`` stops the
    target-side gradient. Masks are drawn on each rank's own batch (they depend on its points), from a generator
    seeded by ``(mask_seed, step, rank)``.

    Registered in mmpretrain's MODELS (the family core) and, by :mod:`mmjepa.det3d`, in mmdet3d's; it builds its
    family parts in the mmpretrain scope and its data preprocessor (``Det3DDataPreprocessor``) in mmdet3d's, so a
    config keeps ``default_scope='mmdet3d'`` for its datasets and transforms.

    Args:
        backbone (dict): :class:`BEVEncoder`.
        predictor (dict): Built with the encoder's ``embed_dims``. Defaults to :class:`ConvPredictor`.
        mask_sampler (dict): Defaults to :class:`BEVCellMaskSampler` with ratio 0.5 (KITTI).
        target_generator (dict): Defaults to the EMA regime 0.996 -> 1, no normalisation, batch statistics.
        loss (dict): Defaults to :class:`BEVCellJEPALoss` (0.75 / 0.25, beta 1).
        detach_empty_target (bool): Stop the gradient into the empty token through the target. Defaults to False.
        **kwargs: ``mask_seed``, ``data_preprocessor``, ``init_cfg`` of :class:`BaseJEPA`.
    """
    algorithm_name = 'AD-L-JEPA'

    def __init__(self,
                 backbone: dict,
                 predictor: dict = dict(type='ConvPredictor', num_layers=3),
                 mask_sampler: dict = dict(type='BEVCellMaskSampler', mask_ratio=0.5),
                 target_generator: dict = dict(type='EMATargetGenerator', momentum=(0.996, 1.0), normalize=False,
                                               batch_stats=True),
                 loss: dict = dict(type='BEVCellJEPALoss'),
                 detach_empty_target: bool = False,
                 data_preprocessor: Optional[dict] = None,
                 **kwargs):
        if kwargs.get('mask_draw', 'per_rank') != 'per_rank':
            raise ValueError("AD-L-JEPA's masks depend on each rank's points: model.mask_draw must be 'per_rank'")
        kwargs['mask_draw'] = 'per_rank'
        if isinstance(data_preprocessor, dict) and '_scope_' not in data_preprocessor:
            data_preprocessor = dict(data_preprocessor, _scope_='mmdet3d')
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            super().__init__(backbone=backbone, mask_sampler=None, target_generator=target_generator, loss=loss,
                             data_preprocessor=data_preprocessor, **kwargs)
            self.mask_sampler = MODELS.build(mask_sampler)
            embed_dims = self.backbone.embed_dims
            self.predictor = MODELS.build(predictor, default_args=dict(embed_dims=embed_dims))
        self.detach_empty_target = detach_empty_target
        # torch.randn, as the official tokens
        self.mask_token = nn.Parameter(torch.randn(1, embed_dims, 1, 1))
        self.empty_token = nn.Parameter(torch.randn(1, embed_dims, 1, 1))

    def encoder_to_evaluate(self) -> nn.Module:
        """The online (context) encoder: the official fine-tuning loads ``backbone_3d.encoder``."""
        return self.backbone

    # ------------------------------------------------------------------------------------------ the step
    def prepare_inputs(self, inputs: dict, data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        """The voxels of the batch (``voxels``, ``num_points``, ``coors``) and its ``batch_size``, from
        ``Det3DDataPreprocessor(voxel=True)``."""
        if not isinstance(inputs, dict) or not isinstance(inputs.get('voxels'), dict):
            raise ValueError(f'{type(self).__name__} takes voxelised points: set model.data_preprocessor to '
                             "dict(type='Det3DDataPreprocessor', voxel=True, voxel_layer=...)")
        voxels = inputs['voxels']
        batch_size = len(inputs['points']) if 'points' in inputs else len(data_samples)
        if voxels['coors'].shape[0] == 0:
            raise ValueError('no point of the batch lies inside the voxel layer\'s point_cloud_range')
        return dict(voxels=voxels['voxels'], num_points=voxels['num_points'], coors=voxels['coors'],
                    batch_size=batch_size)

    @staticmethod
    def select(inputs: Dict[str, torch.Tensor], keep: torch.Tensor) -> Dict[str, torch.Tensor]:
        """The voxels of ``inputs`` where ``keep`` is True."""
        return {key: inputs[key][keep] for key in ('voxels', 'num_points', 'coors')}

    def masks_for(self, inputs: Dict[str, torch.Tensor]) -> BEVMasks:
        _, generator = self.mask_generators()  # per_rank: seeded by (mask_seed, step, rank)
        masks = self.mask_sampler(inputs['coors'], inputs['batch_size'], self.backbone.bev_shape,
                                  self.backbone.out_stride, generator)
        return masks.to(inputs['coors'].device)

    def compute_targets(self, inputs: Dict[str, torch.Tensor], masks: BEVMasks) -> torch.Tensor:
        """The EMA encoder's map of the masked cells' points, the empty token on the target's empty cells,
        L2-normalised: [B, C, H, W]."""
        features = self.target_generator.features(self.select(inputs, ~masks.keep), batch_size=inputs['batch_size'])
        empty = self.empty_token.detach() if self.detach_empty_target else self.empty_token
        return F.normalize(torch.where(masks.target_empty[:, None], empty, features), dim=1)

    def predict_targets(self, inputs: Dict[str, torch.Tensor], masks: BEVMasks) -> Dict[str, torch.Tensor]:
        """The normalised ``context`` map and the normalised ``prediction`` of the target map, [B, C, H, W]."""
        context = self.backbone.forward_tokens(self.select(inputs, masks.keep), batch_size=inputs['batch_size'])
        shown = (masks.context | masks.context_empty)[:, None]
        context = torch.where(shown, context, self.mask_token)
        context = F.normalize(torch.where(masks.context_empty[:, None], self.empty_token, context), dim=1)
        return dict(context=context, prediction=F.normalize(self.predictor(context), dim=1))

    def compute_loss(self, pred: Dict[str, torch.Tensor], targets: torch.Tensor,
                     masks: BEVMasks) -> Dict[str, torch.Tensor]:
        return self.loss_module(pred['prediction'], targets, pred['context'], masks)

    def extract_feat(self, inputs: dict):
        """The evaluated encoder's BEV map of voxelised inputs."""
        voxels = self.prepare_inputs(inputs)
        return self.encoder_to_evaluate().forward_tokens(self.select(voxels, slice(None)), voxels['batch_size'])
