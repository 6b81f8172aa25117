# Copyright (c) mmjepa contributors. All rights reserved.
"""DMT-JEPA: I-JEPA with discriminative (neighbour-aggregated) targets."""
from typing import Dict

import torch
from mmpretrain.registry import MODELS

from ..mask_samplers.masks import Masks
from .ijepa import IJEPA


@MODELS.register_module()
class DMTJEPA(IJEPA):
    """`DMT-JEPA <https://arxiv.org/abs/2405.17995>`_: I-JEPA whose targets aggregate, with a cross-attention
    head, each patch's most similar neighbours (:class:`DMTTargetGenerator`), and whose context goes through
    the same head in global mode before the predictor. The target-side head is an EMA copy of this online
    head (``agg_head``), moved with the encoder's momentum; both are in the state dict, so checkpoints and
    resumes keep them.

    Args:
        agg_head (dict): The aggregation head; ``embed_dims`` and ``num_heads`` default to the backbone's.
            Defaults to :class:`LocalAggHead`.
        target_generator (dict): Defaults to :class:`DMTTargetGenerator` (k=4, 3x3 window, wrap-around).
        **kwargs: The arguments of :class:`IJEPA`.
    """
    algorithm_name = 'DMT-JEPA'  # the leaderboard's name (checkpoint provenance, ProvenanceHook)

    def __init__(self,
                 backbone: dict,
                 predictor: dict,
                 agg_head: dict = dict(type='LocalAggHead'),
                 target_generator: dict = dict(type='DMTTargetGenerator'),
                 **kwargs):
        super().__init__(backbone=backbone, predictor=predictor, target_generator=target_generator, **kwargs)
        self.agg_head = MODELS.build(
            agg_head, default_args=dict(embed_dims=self.backbone.embed_dims, num_heads=self.backbone.num_heads))
        self.target_generator.add_mirror('agg_head', self.agg_head)

    def online_modules(self) -> Dict[str, torch.nn.Module]:
        return dict(super().online_modules(), agg_head=self.agg_head)

    def predict_targets(self, inputs: torch.Tensor, masks: Masks) -> torch.Tensor:
        context = self.agg_head(self.backbone.forward_tokens(inputs, keep=masks.context))  # global mode
        return self.predictor(context, masks)
