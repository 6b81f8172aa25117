# Copyright (c) mmjepa contributors. All rights reserved.
"""AD-L-JEPA's loss: cosine distance on the target BEV cells plus a variance hinge against collapse."""
from typing import Dict

import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from torch import nn


@MODELS.register_module()
class BEVCellJEPALoss(nn.Module):
    """The loss of `AD-L-JEPA <https://arxiv.org/abs/2501.04969>`_ on ``[B, C, H, W]`` L2-normalised maps::

        loss_jepa = alpha * (occupied_weight * mean_{target cells} (1 - cos)
                             + empty_weight * mean_{target empty cells} (1 - cos))
        loss_var  = beta * (hinge(context at context cells) + hinge(prediction at target cells))
        hinge(z)  = mean over samples of mean_c relu(std_threshold - sqrt(var_cells(z_c) + eps))

    The means of the cosine terms run over the cells of the whole batch; the hinge is per sample, then averaged
    (the official ``get_loss``). Departure: a term with no cells (a batch without empty target cells, a sample
    with fewer than two cells) is left out, where the official code returns NaN.

    Args:
        occupied_weight (float): Weight of the occupied target cells. Defaults to 0.75.
        empty_weight (float): Weight of the empty target cells. Defaults to 0.25.
        alpha (float): Weight of the cosine term. Defaults to 1.0.
        beta (float): Weight of the variance term (official KITTI config: 1.0). Defaults to 1.0.
        std_threshold (float): Hinge threshold on the per-channel std. Defaults to 1 / 16.
        eps (float): Added to the variance under the square root. Defaults to 1e-4.
    """

    def __init__(self, occupied_weight: float = 0.75, empty_weight: float = 0.25, alpha: float = 1.0,
                 beta: float = 1.0, std_threshold: float = 1 / 16, eps: float = 1e-4):
        super().__init__()
        self.occupied_weight, self.empty_weight = occupied_weight, empty_weight
        self.alpha, self.beta = alpha, beta
        self.std_threshold, self.eps = std_threshold, eps

    def std_hinge(self, features: torch.Tensor, cells: torch.Tensor) -> torch.Tensor:
        """Mean over the samples (with two cells or more) of the hinge on the per-channel std over ``cells``."""
        hinges = []
        for sample, sample_cells in zip(features, cells):
            z = sample.flatten(1)[:, sample_cells.flatten()]  # [C, n]
            if z.shape[1] >= 2:
                hinges.append(F.relu(self.std_threshold - torch.sqrt(z.var(dim=1) + self.eps)).mean())
        return torch.stack(hinges).mean() if hinges else features.sum() * 0

    def forward(self, prediction: torch.Tensor, target: torch.Tensor, context: torch.Tensor,
                masks) -> Dict[str, torch.Tensor]:
        """``masks``: :class:`BEVMasks`. Returns the two weighted losses and unweighted parts to log."""
        distance = 1 - F.cosine_similarity(prediction, target, dim=1)  # [B, H, W]
        zero = distance.sum() * 0
        cos_occupied = distance[masks.target].mean() if masks.target.any() else zero
        cos_empty = distance[masks.target_empty].mean() if masks.target_empty.any() else zero
        std_context = self.std_hinge(context, masks.context)
        std_prediction = self.std_hinge(prediction, masks.target)
        return dict(
            loss_jepa=self.alpha * (self.occupied_weight * cos_occupied + self.empty_weight * cos_empty),
            loss_var=self.beta * (std_context + std_prediction),
            cos_occupied=cos_occupied.detach(), cos_empty=cos_empty.detach())
