# Copyright (c) mmjepa contributors. All rights reserved.
"""The target regime interface of the JEPA family: what a target generator tells the algorithm's step."""
from typing import Dict, List, Mapping

import torch
from torch import nn


class TargetGenerator(nn.Module):
    """A target generator owns its regime. This base is the stateless one (fixed operators: no copy, no
    schedule, nothing to update); :class:`EMATargetGenerator` overrides the regime methods.

    The algorithm's step calls :meth:`begin_step` before the forward and :meth:`end_step` after it, and its
    ``update_target`` / ``skip_target_update`` after the optimizer step; hooks and tools ask the algorithm for
    the encoder to evaluate, which asks :meth:`evaluated_encoder`.
    """
    #: whether ``MODELS.build`` must pass the online ``encoder`` (the EMA regime copies it)
    needs_encoder = False

    def evaluated_encoder(self, online_encoder: nn.Module) -> nn.Module:
        """The encoder downstream tasks evaluate: here the online encoder (there is no other)."""
        return online_encoder

    def encoders(self) -> List[nn.Module]:
        """The encoders this generator runs (compiled with the algorithm's networks)."""
        return []

    def sync(self, online: Mapping[str, nn.Module]) -> None:
        """Start the regime from the online modules (``{name: module}``)."""

    def begin_step(self, online: Mapping[str, nn.Module], step: int = 0) -> None:
        """Before the forward of training step ``step`` (forwards counted from 0)."""

    def end_step(self, step: int) -> Dict[str, torch.Tensor]:
        """After the forward of training step ``step``; returns values to log."""
        return {}

    @property
    def update_due(self) -> bool:
        """Whether an update after the last optimizer step is still to be made."""
        return False

    def update_target(self, online: Mapping[str, nn.Module]) -> bool:
        """Make the update due after the last optimizer step; returns whether one was made."""
        return False

    def skip_update(self) -> None:
        """The optimizer did not step (gradient accumulation): drop the due update."""
