# Copyright (c) mmjepa contributors. All rights reserved.
"""Named weight initialisations: each member's official scheme, selected by ``init_scheme`` in its config."""
import math
from typing import Callable, Dict, Optional, Union

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
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def ecgjepa_init_(module: nn.Module, depth: Optional[int] = None, std: float = 0.02) -> None:
    """The official `ECG-JEPA <https://github.com/kweimann/ECG-JEPA>`_ init (its encoder and predictor
    constructors): truncated normal (``std``) for every Linear and Conv1d weight, except the residual output
    projections (``attn.proj``, the MLP's second layer ``ffn.layers.1``) at ``std / sqrt(2 * depth)``; zero
    biases, LayerNorm 1/0. ``depth``: the *encoder's* number of blocks (the official predictor scales by it
    too: give it there); None: ``len(module.layers)``.
    """
    if depth is None:
        depth = len(module.layers)
    if depth < 1:
        raise ValueError(f"init_scheme=dict(type='ecgjepa', depth={depth}): depth must be >= 1")
    residual_std = std / math.sqrt(2 * depth)
    for name, m in module.named_modules():
        if isinstance(m, (nn.Linear, nn.Conv1d)):
            residual = name.endswith(('attn.proj', 'ffn.layers.1'))
            nn.init.trunc_normal_(m.weight, std=residual_std if residual else std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm) and m.elementwise_affine:
            nn.init.ones_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


#: ``init_scheme`` name -> ``function(module, **kwargs)``; ``'ijepa'`` is the family's default.
INIT_SCHEMES: Dict[str, Callable[..., None]] = {
    'ijepa': jepa_init_,
    'ecgjepa': ecgjepa_init_,
}


def apply_init(module: nn.Module, scheme: Union[str, dict] = 'ijepa') -> None:
    """Initialise ``module`` with a named scheme: ``'ijepa'`` or ``dict(type='ijepa', std=0.02)``."""
    kwargs = dict(scheme) if isinstance(scheme, dict) else dict(type=scheme)
    name = kwargs.pop('type', None)
    if name not in INIT_SCHEMES:
        raise ValueError(f'init_scheme={scheme!r}: unknown scheme; choose one of {sorted(INIT_SCHEMES)}')
    INIT_SCHEMES[name](module, **kwargs)
