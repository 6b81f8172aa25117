# Copyright (c) mmjepa contributors. All rights reserved.
"""EC-IJEPA: I-JEPA with encoders conditioned on the positions of the other window."""
from typing import Dict

import torch
from mmpretrain.registry import MODELS

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
            ``embed_dims`` and ``patch_resolution`` default to the backbone's.
        **kwargs: The arguments of :class:`IJEPA`.
    """
    algorithm_name = 'EC-IJEPA'  # the leaderboard's name (checkpoint provenance, ProvenanceHook)

    def __init__(self, backbone: dict, predictor: dict, conditioner: dict = dict(type='PositionConditioner'),
                 **kwargs):
        super().__init__(backbone=backbone, predictor=predictor, **kwargs)
        self.conditioner = MODELS.build(
            conditioner,
            default_args=dict(embed_dims=self.backbone.embed_dims, patch_resolution=self.backbone.patch_resolution))
        self.target_generator.add_mirror('conditioner', self.conditioner)

    def online_modules(self) -> Dict[str, torch.nn.Module]:
        return dict(super().online_modules(), conditioner=self.conditioner)

    def compute_targets(self, inputs: torch.Tensor, context_idx: torch.Tensor,
                        target_idx: torch.Tensor) -> torch.Tensor:
        cond = self.target_generator.conditioner(context_idx, role='context')
        return self.target_generator(inputs, target_idx, **cond)

    def predict_targets(self, inputs: torch.Tensor, context_idx: torch.Tensor,
                        target_idx: torch.Tensor) -> torch.Tensor:
        cond = self.conditioner(target_idx, role='target')
        context = self.backbone.forward_tokens(inputs, keep=context_idx, **cond)
        return self.predictor(context, context_idx, target_idx)
