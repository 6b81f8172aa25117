# Copyright (c) mmjepa contributors. All rights reserved.
"""Regression losses between predicted and target representations."""
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from torch import nn


@MODELS.register_module()
class JEPAPredictionLoss(nn.Module):
    """Distance between predictions and targets, averaged over all elements.

    ``'smooth_l1'`` (beta 1) is what the official I-JEPA code trains with; the paper writes L2 (``'l2'``,
    the mean squared error). ``'l1'`` and ``'cosine'`` (1 - cosine similarity per token) are offered for the
    JEPA variants that use them. Predictions and targets meet in the wider of their two dtypes: under bf16
    autocast the fp32 targets stay fp32 (the official codes' losses run in fp32 under autocast).

    Args:
        criterion (str): ``'smooth_l1'``, ``'l2'``, ``'l1'`` or ``'cosine'``. Defaults to ``'smooth_l1'``.
        beta (float): Smooth-L1 transition point. Defaults to 1.0.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """
    CRITERIA = ('smooth_l1', 'l2', 'l1', 'cosine')

    def __init__(self, criterion: str = 'smooth_l1', beta: float = 1.0, loss_weight: float = 1.0):
        super().__init__()
        if criterion not in self.CRITERIA:
            raise ValueError(f'criterion={criterion!r} must be one of {self.CRITERIA}')
        self.criterion = criterion
        self.beta = beta
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if pred.shape != target.shape:
            raise ValueError(f'prediction {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape')
        # The precision of the wider operand, as autocast runs these losses (in fp32): bf16 predictions meet
        # fp32 layer-normed targets in fp32 (the official code), the targets are never rounded to bf16.
        dtype = torch.promote_types(pred.dtype, target.dtype)
        pred, target = pred.to(dtype), target.to(dtype)
        if self.criterion == 'smooth_l1':
            loss = F.smooth_l1_loss(pred, target, beta=self.beta)
        elif self.criterion == 'l2':
            loss = F.mse_loss(pred, target)
        elif self.criterion == 'l1':
            loss = F.l1_loss(pred, target)
        else:
            loss = (1 - F.cosine_similarity(pred, target, dim=-1)).mean()
        return self.loss_weight * loss
