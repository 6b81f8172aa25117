# Copyright (c) mmjepa contributors. All rights reserved.
"""SAR-JEPA: local windows masked inside the encoder, targets from a fixed speckle-robust gradient operator."""
import torch
from mmpretrain.registry import MODELS

from ..mask_samplers.masks import Masks
from .base import BaseJEPA


@MODELS.register_module()
class SARJEPA(BaseJEPA):
    """`SAR-JEPA <https://arxiv.org/abs/2311.15153>`_ (official code ``waterdisappear/SAR-JEPA``, LoMaR-based):
    4 local windows of 7x7 patches per image, 80 % of each hidden behind the encoder's mask token
    (:class:`LocalWindowMaskSampler`); the encoder (ViT with iRPE on keys, no absolute position, one prefix
    token in the place of the official cls token) encodes each window; :class:`TokenPredictor` (which carries the
    prefix token too, as the official decoder) maps every token to the multi-scale ratio-of-averages gradient
    features of its patch (:class:`ROAGradientTarget` through the stateless :class:`FixedTargetGenerator`); MSE over the
    hidden patches only. No EMA: the encoder to evaluate is the online one.

    Args:
        backbone (dict): :class:`JEPAViT` with ``mask_token=True`` (and SAR-JEPA's ``rel_pos``, ``abs_pos=False``).
        predictor (dict): :class:`TokenPredictor`; ``out_dims`` must be the operator's feature width.
        mask_sampler (dict): Defaults to :class:`LocalWindowMaskSampler` (7x7, 4 windows, 0.8).
        target_generator (dict): Defaults to ROA gradients at r = 5, 9, 13, 17, patch 16.
        loss (dict): Defaults to the mean squared error.
        **kwargs: ``mask_seed``, ``mask_draw``, ``data_preprocessor``, ``init_cfg`` of :class:`BaseJEPA`.
    """
    algorithm_name = 'SAR-JEPA'

    def __init__(self,
                 backbone: dict,
                 predictor: dict,
                 mask_sampler: dict = dict(type='LocalWindowMaskSampler'),
                 target_generator: dict = dict(type='FixedTargetGenerator',
                                               operator=dict(type='ROAGradientTarget', patch_size=16)),
                 loss: dict = dict(type='JEPAPredictionLoss', criterion='l2'),
                 **kwargs):
        super().__init__(backbone=backbone, predictor=predictor, mask_sampler=mask_sampler,
                         target_generator=target_generator, loss=loss, **kwargs)
        if self.backbone.mask_token is None:
            raise ValueError('SAR-JEPA hides the targets inside the encoder: set model.backbone.mask_token=True')

    def predict_targets(self, inputs: torch.Tensor, masks: Masks) -> torch.Tensor:
        """Encode every window with its hidden patches masked; predict the targets of the hidden ones
        ([S, K, F], in window order like ``masks.targets``)."""
        tokens = self.backbone.forward_tokens(inputs, keep=masks.context, hidden=masks.hidden,
                                              sequences_per_sample=masks.sequences_per_sample, with_registers=True)
        pred = self.predictor(tokens, masks, num_prefix_tokens=self.backbone.num_register_tokens)
        return pred[masks.hidden].view(pred.shape[0], -1, pred.shape[-1])
