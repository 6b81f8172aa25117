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


def mae_init_(module: nn.Module) -> None:
    """MAE's ``initialize_weights`` (`He et al. <https://arxiv.org/abs/2111.06377>`_), which SAR-JEPA's official code
    (``models_lomar.py``) keeps: Xavier-uniform on every Linear weight (a fused q/k/v as one matrix), zero biases,
    LayerNorm 1/0, the patch embedding's Conv2d weight Xavier-uniform as a Linear (on its ``[out, in * p * p]``
    view; its bias is left as it is). Tokens and iRPE tables keep their own init (std 0.02 / zeros, as the
    official)."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Conv2d):
            nn.init.xavier_uniform_(m.weight.data.view(m.weight.shape[0], -1))
        elif isinstance(m, nn.LayerNorm) and m.elementwise_affine:
            nn.init.ones_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
def seqjepa_init_(module: nn.Module) -> None:
    """seq-JEPA's aggregator as the official ``nn.TransformerEncoder`` leaves it (hafezgh/seq-jepa): one
    ``nn.TransformerEncoderLayer`` built and deep-copied ``len(module.layers)`` times, so every layer starts equal.
    That layer: ``nn.MultiheadAttention``'s init (xavier-uniform over the whole fused ``[3D, D]`` q/k/v weight,
    zero q/k/v and output-projection biases, PyTorch's default Linear init of the output-projection weight),
    PyTorch's default init of the FFN linears, unit / zero LayerNorms; the final LayerNorm unit / zero.
    ``module`` has ``layers`` (mmpretrain-named blocks: ``attn.qkv``, ``attn.proj``, ``ffn``, ``ln1``, ``ln2``)
    and may have ``ln1`` (the final norm)."""
    first = module.layers[0]
    for m in first.modules():
        if isinstance(m, (nn.Linear, nn.LayerNorm)):
            m.reset_parameters()
    nn.init.xavier_uniform_(first.attn.qkv.weight)
    for bias in (first.attn.qkv.bias, first.attn.proj.bias):
        if bias is not None:
            nn.init.zeros_(bias)
    for layer in module.layers[1:]:
        layer.load_state_dict(first.state_dict())
    if isinstance(getattr(module, 'ln1', None), nn.LayerNorm):
        module.ln1.reset_parameters()


#: ``init_scheme`` name -> ``function(module, **kwargs)``; ``'ijepa'`` is the family's default.
INIT_SCHEMES: Dict[str, Callable[..., None]] = {
    'ijepa': jepa_init_,
    'ecgjepa': ecgjepa_init_,
    'mae': mae_init_,
    'seqjepa': seqjepa_init_,
}


def apply_init(module: nn.Module, scheme: Union[str, dict] = 'ijepa') -> None:
    """Initialise ``module`` with a named scheme: ``'ijepa'`` or ``dict(type='ijepa', std=0.02)``."""
    kwargs = dict(scheme) if isinstance(scheme, dict) else dict(type=scheme)
    name = kwargs.pop('type', None)
    if name not in INIT_SCHEMES:
        raise ValueError(f'init_scheme={scheme!r}: unknown scheme; choose one of {sorted(INIT_SCHEMES)}')
    INIT_SCHEMES[name](module, **kwargs)


def tjepa_init_(module: nn.Module, std: float = 0.02, clone_qkv: bool = True) -> None:
    """The init of the official `T-JEPA <https://arxiv.org/abs/2410.05016>`_ code (``jose-melo/t-jepa``,
    ``init_type='trunc_normal'``): truncated normal (``std``) on every Linear and Embedding weight, zero Linear
    biases, LayerNorm 1/0, except the attention's fused q/k/v input projection. ``nn.MultiheadAttention`` keeps
    it outside any ``nn.Linear``, so the official init leaves PyTorch's: ``xavier_uniform_`` on the [3D, D]
    weight, zero bias. The official blocks are deep copies of one prototype layer (``nn.TransformerEncoder``
    clones it), so with ``clone_qkv`` every block of ``module`` starts from the same q/k/v weight.
    """
    jepa_init_(module, std)
    first = None
    for m in module.modules():
        if isinstance(m, nn.Embedding):
            nn.init.trunc_normal_(m.weight, std=std)
        qkv = getattr(getattr(m, 'attn', None), 'qkv', None)
        if isinstance(qkv, nn.Linear):
            if first is None or not clone_qkv:
                nn.init.xavier_uniform_(qkv.weight)
                first = qkv.weight
            else:
                qkv.weight.data.copy_(first.data)
            if qkv.bias is not None:
                nn.init.zeros_(qkv.bias)


INIT_SCHEMES['tjepa'] = tjepa_init_
