# Copyright (c) mmjepa contributors. All rights reserved.
"""I-JEPA's target: an EMA copy of the context encoder, run on the full image."""
import copy

import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from torch import nn

from ..utils import ema_update_, gather_tokens


@MODELS.register_module()
class EMATargetGenerator(nn.Module):
    """Targets of `I-JEPA <https://arxiv.org/abs/2301.08243>`_: the EMA target encoder's last-layer tokens
    of the whole image, layer-normalised without affine parameters, gathered per target block.

    The algorithm builds it with its context encoder (``encoder``), of which it keeps a frozen copy; it
    owns no gradient. Subclasses that add target-side modules (DMT-JEPA's aggregation head) extend
    :meth:`online_pairs`.

    Args:
        encoder (nn.Module): The context encoder to mirror.
        normalize (bool): Apply the non-affine LayerNorm of the official code. Defaults to True.
    """

    def __init__(self, encoder: nn.Module, normalize: bool = True):
        super().__init__()
        self.encoder = copy.deepcopy(encoder).requires_grad_(False)
        self.normalize = normalize

    def sync(self, online_encoder: nn.Module) -> None:
        """Copy the online weights (the EMA starts as a copy of the context encoder)."""
        self.encoder.load_state_dict(online_encoder.state_dict())

    def update(self, online_encoder: nn.Module, momentum: float) -> None:
        """One EMA step towards the online encoder."""
        ema_update_([self.encoder], [online_encoder], momentum)

    @torch.no_grad()
    def features(self, images: torch.Tensor) -> torch.Tensor:
        """Per-patch targets of the whole image, [B, N, D]."""
        h = self.encoder.forward_tokens(images)
        return F.layer_norm(h, h.shape[-1:]) if self.normalize else h

    @torch.no_grad()
    def forward(self, images: torch.Tensor, target_idx: torch.Tensor) -> torch.Tensor:
        """Targets of every block, [T*B, Kt, D] block-major (matching the predictor's output)."""
        return gather_tokens(self.features(images), target_idx)

    def train(self, mode: bool = True):
        # The EMA encoder always runs deterministically (no drop path / dropout), as in the official code.
        return super().train(False)
