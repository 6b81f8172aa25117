# Copyright (c) mmjepa contributors. All rights reserved.
"""mmpretrain's ResNets as JEPA encoders of whole views (seq-JEPA): one pooled vector per image."""
import torch
from mmpretrain.models.backbones import ResNet, ResNet_CIFAR
from mmpretrain.registry import MODELS

from .token_encoder import TokenEncoder


class PooledViewEncoder:
    """What a JEPA algorithm asks of an encoder that turns a whole view into one vector: ``embed_dims`` and
    ``forward_tokens(x) -> [B, 1, C]`` (the global average of the last stage, the view as a single token, so
    the family's hooks that read ``[B, N, D]`` tokens, e.g. :class:`CollapseMonitorHook`, work unchanged).
    :meth:`forward` stays mmpretrain's (a tuple of stage maps), so the weights transfer under the same keys
    into mmpretrain, mmseg and mmdet ResNets. ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=...)``
    loads strictly, as the family's ViTs (:meth:`TokenEncoder.init_or_load`; ``prefix='backbone.'`` for a
    seq-JEPA checkpoint, whose evaluated encoder is the online one)."""

    def init_weights(self):
        TokenEncoder.init_or_load(self, super().init_weights)

    @property
    def embed_dims(self) -> int:
        return self.feat_dim

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, C]``: the pooled last stage."""
        return self.forward(x)[-1].mean(dim=(2, 3))

    def forward_tokens(self, x: torch.Tensor) -> torch.Tensor:
        return self.embed(x).unsqueeze(1)


@MODELS.register_module()
class JEPAResNet(PooledViewEncoder, ResNet):
    """mmpretrain's :class:`ResNet` (ImageNet stem) with :class:`PooledViewEncoder`'s ``forward_tokens``.
    ``out_indices`` must end with the last stage."""


@MODELS.register_module()
class JEPAResNetCIFAR(PooledViewEncoder, ResNet_CIFAR):
    """mmpretrain's :class:`ResNet_CIFAR` (3x3 stride-1 stem, no max-pool: the "CIFAR ResNet" of seq-JEPA's
    official code for 32-64 px views) with :class:`PooledViewEncoder`'s ``forward_tokens``."""
