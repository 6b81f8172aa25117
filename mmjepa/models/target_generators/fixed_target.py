# Copyright (c) mmjepa contributors. All rights reserved.
"""The fixed-operator target regime: targets computed from the input by an operator with no parameters and
no state (SAR-JEPA's gradients, MaskFeat's HOG, MAE's pixels)."""
import torch
from mmpretrain.registry import MODELS

from ..utils import gather_tokens
from .base import TargetGenerator


@MODELS.register_module()
class FixedTargetGenerator(TargetGenerator):
    """Per-token targets from a fixed ``operator`` (``forward(inputs) -> [B, N, F]`` in the token order of the
    encoder's layout), gathered at the target tokens of every sequence. Nothing is copied, scheduled or
    updated, and the encoder to evaluate is the online one. E.g. `SAR-JEPA <https://arxiv.org/abs/2311.15153>`_:
    ``dict(type='FixedTargetGenerator', operator=dict(type='ROAGradientTarget', patch_size=16))``.

    Args:
        operator (dict): The operator's config.
    """

    def __init__(self, operator: dict):
        super().__init__()
        self.operator = MODELS.build(operator)
        if any(True for _ in self.operator.parameters()):
            raise ValueError(f'model.target_generator.operator={operator["type"]} has parameters: a fixed target '
                             'operator must have none (an EMA or learned target needs another generator)')

    @torch.no_grad()
    def features(self, inputs: torch.Tensor) -> torch.Tensor:
        """Per-token targets of the whole input, [B, N, F] (float32)."""
        return self.operator(inputs.float())

    @torch.no_grad()
    def forward(self, inputs: torch.Tensor, masks) -> torch.Tensor:
        """Targets of every target set of ``masks`` (:class:`Masks`), [T*S, Kt, F] block-major."""
        features = self.features(inputs)
        if masks.sequences_per_sample > 1:
            features = features[masks.sample_index()]
        return gather_tokens(features, masks.targets)
