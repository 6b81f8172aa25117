# Copyright (c) mmjepa contributors. All rights reserved.
"""Named weight initialisations: each member's official scheme, selected by ``init_scheme`` in its config."""
from typing import Callable, Dict, Union

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


#: ``init_scheme`` name -> ``function(module, **kwargs)``; ``'ijepa'`` is the family's default.
INIT_SCHEMES: Dict[str, Callable[..., None]] = {
    'ijepa': jepa_init_,
}


def apply_init(module: nn.Module, scheme: Union[str, dict] = 'ijepa') -> None:
    """Initialise ``module`` with a named scheme: ``'ijepa'`` or ``dict(type='ijepa', std=0.02)``."""
    kwargs = dict(scheme) if isinstance(scheme, dict) else dict(type=scheme)
    name = kwargs.pop('type', None)
    if name not in INIT_SCHEMES:
        raise ValueError(f'init_scheme={scheme!r}: unknown scheme; choose one of {sorted(INIT_SCHEMES)}')
    INIT_SCHEMES[name](module, **kwargs)
