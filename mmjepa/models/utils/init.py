# Copyright (c) mmjepa contributors. All rights reserved.
"""The weight initialisation the official I-JEPA code ends up with."""
from torch import nn


def jepa_init_(module: nn.Module, std: float = 0.02) -> None:
    """Truncated normal (``std``) for every Linear and Conv1d/2d weight, zero biases, LayerNorm 1/0.

    The official ``init_model`` re-applies this to all Linear layers after construction, which undoes the
    ViT's depth rescaling of ``attn.proj``/``mlp.fc2``; mmpretrain's Xavier init of the FFN is overridden too.
    """
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            nn.init.trunc_normal_(m.weight, std=std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm) and m.elementwise_affine:
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
