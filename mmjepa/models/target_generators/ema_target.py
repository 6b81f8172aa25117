# Copyright (c) mmjepa contributors. All rights reserved.
"""I-JEPA's target: an EMA copy of the context encoder, run on the full image."""
import copy
from typing import List, Mapping, Tuple, Union

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
    owns no gradient. Other online modules whose target side must be an EMA copy (DMT-JEPA's aggregation
    head, EC-IJEPA's position conditioner) are registered with :meth:`add_mirror`; :meth:`sync` and
    :meth:`update` then take ``{name: online module}`` and move every copy in one fused EMA step.

    Args:
        encoder (nn.Module): The context encoder to mirror.
        normalize (bool): Apply the non-affine LayerNorm of the official code. Defaults to True.
    """

    def __init__(self, encoder: nn.Module, normalize: bool = True):
        super().__init__()
        self.encoder = copy.deepcopy(encoder).requires_grad_(False)
        self.normalize = normalize
        self.mirrored = ['encoder']

    def add_mirror(self, name: str, online: nn.Module) -> None:
        """Keep a frozen EMA copy of another online module as ``self.<name>`` (its keys are saved with the
        target generator's, so a resume restores it)."""
        if name in self.mirrored or hasattr(self, name):
            raise ValueError(f'{type(self).__name__} already has a {name!r}')
        setattr(self, name, copy.deepcopy(online).requires_grad_(False))
        self.mirrored.append(name)

    def _pairs(self, online: Union[nn.Module, Mapping[str, nn.Module]]) -> Tuple[List[nn.Module], List[nn.Module]]:
        if isinstance(online, nn.Module):
            online = {'encoder': online}
        missing = [name for name in self.mirrored if name not in online]
        if missing:
            raise ValueError(f'The EMA targets {self.mirrored} need their online modules; missing {missing}')
        return [getattr(self, name) for name in self.mirrored], [online[name] for name in self.mirrored]

    def sync(self, online: Union[nn.Module, Mapping[str, nn.Module]]) -> None:
        """Copy the online weights (the EMA starts as a copy). ``online``: the context encoder, or
        ``{name: module}`` for every mirrored module."""
        for target, source in zip(*self._pairs(online)):
            target.load_state_dict(source.state_dict())

    def update(self, online: Union[nn.Module, Mapping[str, nn.Module]], momentum: float) -> None:
        """One EMA step of every mirrored module towards its online module (as in :meth:`sync`)."""
        ema_update_(*self._pairs(online), momentum)

    @torch.no_grad()
    def features(self, images: torch.Tensor, **encoder_kwargs) -> torch.Tensor:
        """Per-patch targets of the whole image, [B, N, D]. ``encoder_kwargs`` go to ``forward_tokens``
        (e.g. EC-IJEPA's conditioning)."""
        h = self.encoder.forward_tokens(images, **encoder_kwargs)
        return F.layer_norm(h, h.shape[-1:]) if self.normalize else h

    @torch.no_grad()
    def forward(self, images: torch.Tensor, target_idx: torch.Tensor, **encoder_kwargs) -> torch.Tensor:
        """Targets of every block, [T*B, Kt, D] block-major (matching the predictor's output)."""
        return gather_tokens(self.features(images, **encoder_kwargs), target_idx)

    def train(self, mode: bool = True):
        # The EMA encoder always runs deterministically (no drop path / dropout), as in the official code.
        return super().train(False)
