# Copyright (c) mmjepa contributors. All rights reserved.
"""EC-IJEPA: I-JEPA with encoders conditioned on the positions of the other window."""
from typing import Dict

import torch
from mmpretrain.registry import MODELS

from ..mask_samplers.masks import Masks
from .ijepa import IJEPA


@MODELS.register_module()
class ECIJEPA(IJEPA):
    """Spatially conditioned I-JEPA (`EC-IJEPA <https://arxiv.org/abs/2410.10773>`_): the context encoder is
    conditioned on the positions of the target blocks, the target encoder on the positions of the context
    block, through a :class:`PositionConditioner` (an interpretation of the paper's unpublished operator).
    The target side uses an EMA copy of the conditioner, moved with the encoder's momentum. ``forward`` /
    ``extract_feat`` and the backbone used downstream run unconditioned.

    Args:
        conditioner (dict): Defaults to :class:`PositionConditioner` with conditioning tokens;
            ``embed_dims`` and ``layout`` default to the backbone's.
        **kwargs: The arguments of :class:`IJEPA`.
    """
    algorithm_name = 'EC-IJEPA'  # the leaderboard's name (checkpoint provenance, ProvenanceHook)

    def __init__(self, backbone: dict, predictor: dict, conditioner: dict = dict(type='PositionConditioner'),
                 **kwargs):
        super().__init__(backbone=backbone, predictor=predictor, **kwargs)
        self.conditioner = MODELS.build(
            conditioner,
            default_args=dict(embed_dims=self.backbone.embed_dims, layout=self.layout))
        self.target_generator.add_mirror('conditioner', self.conditioner)

    def online_modules(self) -> Dict[str, torch.nn.Module]:
        return dict(super().online_modules(), conditioner=self.conditioner)

    def compute_targets(self, inputs: torch.Tensor, masks: Masks) -> torch.Tensor:
        cond = self.target_generator.conditioner(masks.context, role='context')
        return self.target_generator(inputs, masks, **cond)

    def predict_targets(self, inputs: torch.Tensor, masks: Masks) -> torch.Tensor:
        cond = self.conditioner(masks.targets, role='target')
        context = self.backbone.forward_tokens(inputs, keep=masks.context, **cond)
        return self.predictor(context, masks)
