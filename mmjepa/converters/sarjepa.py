# Copyright (c) mmjepa contributors. All rights reserved.
"""Key mapping from official SAR-JEPA pretraining checkpoints to mmjepa's :class:`SARJEPA` names.

The official code (``waterdisappear/SAR-JEPA``, ``Pretraining/models_lomar.py``, LoMaR/MAE-based) saves, through
MAE's ``misc.save_model``, ``{'model': state_dict, 'optimizer', 'epoch', 'scaler', 'args'}``. Its model holds the
encoder (``patch_embed``, ``cls_token``, ``mask_token``, ``blocks``, ``norm``; iRPE on keys in every block), the
predictor (``encoder_pred``, ``decoder_blocks``, ``decoder_norm``, ``decoder_pred``), an unused fixed sin-cos
``pos_embed`` with a cls row, and the fixed box kernels of the gradient operator (``sarfeature{1..4}``).

Every tensor is mapped or explicitly dropped:

- ``cls_token`` -> ``backbone.register_tokens`` (mmjepa's one prefix token stands in the official cls token);
- ``pos_embed`` -> ``backbone.pos_embed`` without its (zero) cls row (unused on both sides: no absolute
  position);
- ``blocks.{i}`` / ``decoder_blocks.{i}``: ``norm1`` -> ``ln1``, ``attn.qkv``, ``attn.proj``, ``norm2`` -> ``ln2``,
  ``mlp.fc1`` -> ``ffn.layers.0.0``, ``mlp.fc2`` -> ``ffn.layers.1``, ``attn.rpe_k.lookup_table_weight`` ->
  ``attn.rel_pos.lookup_table_weight`` (same layout);
- ``norm`` -> ``backbone.ln1``; ``encoder_pred`` -> ``predictor.embed``; ``decoder_norm`` -> ``predictor.ln1``;
  ``decoder_pred`` -> ``predictor.proj``;
- dropped: ``sarfeature{k}.weight_{x1,x2,y1,y2}``, the operator's fixed kernels, which
  :class:`ROAGradientTarget` computes itself (their radii are checked against the ones given and recorded in
  ``meta``).
"""
import re
from collections import OrderedDict
from typing import Mapping, Optional, Sequence

import torch

from ..models.algorithms import SARJEPA
from ..utils.provenance import META_KEY
from .ijepa import _check_layers, _strip_ddp, converted_provenance

_BLOCK = {'norm1': 'ln1', 'attn.qkv': 'attn.qkv', 'attn.proj': 'attn.proj', 'norm2': 'ln2',
          'mlp.fc1': 'ffn.layers.0.0', 'mlp.fc2': 'ffn.layers.1'}
_BLOCK_RE = '|'.join(re.escape(k) for k in _BLOCK)
_PARAM = r'\.(weight|bias)$'
_RULES = [
    (re.compile(r'^cls_token$'), lambda m: 'backbone.register_tokens'),
    (re.compile(r'^mask_token$'), lambda m: 'backbone.mask_token'),
    (re.compile(r'^pos_embed$'), lambda m: 'backbone.pos_embed'),
    (re.compile(r'^patch_embed\.proj' + _PARAM), lambda m: f'backbone.patch_embed.projection.{m[1]}'),
    (re.compile(rf'^blocks\.(\d+)\.({_BLOCK_RE}){_PARAM}'), lambda m: f'backbone.layers.{m[1]}.{_BLOCK[m[2]]}.{m[3]}'),
    (re.compile(r'^blocks\.(\d+)\.attn\.rpe_k\.lookup_table_weight$'),
     lambda m: f'backbone.layers.{m[1]}.attn.rel_pos.lookup_table_weight'),
    (re.compile(r'^norm' + _PARAM), lambda m: f'backbone.ln1.{m[1]}'),
    (re.compile(r'^encoder_pred' + _PARAM), lambda m: f'predictor.embed.{m[1]}'),
    (re.compile(rf'^decoder_blocks\.(\d+)\.({_BLOCK_RE}){_PARAM}'),
     lambda m: f'predictor.layers.{m[1]}.{_BLOCK[m[2]]}.{m[3]}'),
    (re.compile(r'^decoder_blocks\.(\d+)\.attn\.rpe_k\.lookup_table_weight$'),
     lambda m: f'predictor.layers.{m[1]}.attn.rel_pos.lookup_table_weight'),
    (re.compile(r'^decoder_norm' + _PARAM), lambda m: f'predictor.ln1.{m[1]}'),
    (re.compile(r'^decoder_pred' + _PARAM), lambda m: f'predictor.proj.{m[1]}'),
]
_KERNEL_RE = re.compile(r'^sarfeature(\d+)\.weight_(x1|x2|y1|y2)$')
_REQUIRED = ('backbone.register_tokens', 'backbone.mask_token', 'backbone.patch_embed.projection.weight',
             'backbone.layers.0.attn.qkv.weight', 'backbone.layers.0.attn.rel_pos.lookup_table_weight',
             'backbone.ln1.weight', 'predictor.embed.weight', 'predictor.layers.0.attn.qkv.weight',
             'predictor.ln1.weight', 'predictor.proj.weight')
_TRAIN_STATE = ('optimizer', 'epoch', 'scaler', 'args')


def _operator_radii(kernels: Mapping[str, torch.Tensor]) -> tuple:
    """Radii of the official operator from its box kernels (``[1, 1, 2r+1, 2r+1]``), in ``sarfeature`` order."""
    radii = {}
    for key, kernel in kernels.items():
        index = int(_KERNEL_RE.match(key)[1])
        if kernel.ndim != 4 or kernel.shape[-1] != kernel.shape[-2] or kernel.shape[-1] % 2 != 1:
            raise ValueError(f'{key} has shape {tuple(kernel.shape)}: not an official [1, 1, 2r+1, 2r+1] box kernel')
        radius = (kernel.shape[-1] - 1) // 2
        if radii.setdefault(index, radius) != radius:
            raise ValueError(f'The kernels of sarfeature{index} disagree on their radius')
    return tuple(radii[i] for i in sorted(radii))


def convert_sarjepa_state_dict(state_dict: Mapping) -> tuple:
    """Official SAR-JEPA model state dict (``module.`` prefixed or not) -> ``(SARJEPA state dict, operator radii)``.

    Raises on any key that is neither mapped nor one of the operator's kernels, and on an incomplete model.
    """
    if not isinstance(state_dict, Mapping) or not state_dict:
        raise ValueError(f'Expected a non-empty SAR-JEPA state dict, got {type(state_dict).__name__}')
    out, kernels, unknown = OrderedDict(), {}, []
    for key, value in _strip_ddp(state_dict).items():
        if _KERNEL_RE.match(key):
            kernels[key] = value
            continue
        match, rename = next(((m, r) for m, r in ((p.match(key), r) for p, r in _RULES) if m), (None, None))
        if match is None:
            unknown.append(key)
            continue
        if not isinstance(value, torch.Tensor):
            raise ValueError(f'SAR-JEPA entry {key!r} is a {type(value).__name__}, not a tensor')
        if key == 'pos_embed':
            value = value[:, 1:]  # the cls row of the official table
        out[rename(match)] = value
    if unknown:
        raise ValueError('Unknown keys, not an official SAR-JEPA model (no key is dropped silently): '
                         + ', '.join(unknown))
    missing = [k for k in _REQUIRED if k not in out]
    if missing:
        raise ValueError(f'Incomplete SAR-JEPA model: nothing maps to the mmjepa keys {missing}')
    for part in ('backbone', 'predictor'):
        _check_layers({k[len(part) + 1:]: v for k, v in out.items() if k.startswith(part + '.')}, part)
    return out, _operator_radii(kernels)


def convert_sarjepa_checkpoint(ckpt: Mapping, backbone_only: bool = False, data: Optional[str] = None,
                               radii: Optional[Sequence[int]] = (5, 9, 13, 17)) -> dict:
    """Convert a loaded official SAR-JEPA pretraining checkpoint to an mmjepa :class:`SARJEPA` one.

    Args:
        ckpt (dict): The loaded file: ``{'model': ..., 'optimizer', 'epoch', 'scaler', 'args'}`` (MAE's
            ``save_model``) or a bare model state dict.
        backbone_only (bool): Return only ``backbone.*`` (for ``init_cfg=dict(type='Pretrained',
            prefix='backbone.')`` downstream); otherwise also ``predictor.*`` and the step counter (``load_from``).
        data (str, optional): The source's pretraining data, for ``meta['provenance']``.
        radii (tuple, optional): The operator radii the mmjepa config uses (``target_generator.operator.radii``);
            the kernels of the source must have them. None: not checked.

    Returns:
        dict: ``{'state_dict': ..., 'meta': {...}}``.
    """
    if not isinstance(ckpt, Mapping):
        raise ValueError(f'Expected an official SAR-JEPA checkpoint (a dict), got {type(ckpt).__name__}')
    if isinstance(ckpt.get('model'), Mapping):
        unknown = [k for k in ckpt if k != 'model' and k not in _TRAIN_STATE]
        if unknown:
            raise ValueError(f'Unknown top-level keys {unknown} in the SAR-JEPA checkpoint; expected only '
                             f"'model' and {list(_TRAIN_STATE)}")
        epoch, model = ckpt.get('epoch'), ckpt['model']
    else:
        epoch, model = None, ckpt
    if any(str(k).startswith('backbone.') for k in model):
        raise ValueError('This is already an mmjepa checkpoint (keys start with backbone.): nothing to convert')
    state_dict, source_radii = convert_sarjepa_state_dict(model)
    if radii is not None and source_radii and tuple(radii) != source_radii:
        raise ValueError(f'The source was trained with operator radii {source_radii}, not {tuple(radii)}: set '
                         f'model.target_generator.operator.radii={source_radii} (and --radii) to continue it')
    epoch = int(epoch) if epoch is not None else None
    encoder = {k[len('backbone.'):]: v for k, v in state_dict.items() if k.startswith('backbone.')}
    meta = dict(source_format='official', converter='mmjepa.converters.convert_sarjepa_checkpoint',
                backbone_only=backbone_only, epoch=epoch, operator_radii=source_radii,
                dropped=[f'sarfeature{i + 1}.weight_*' for i in range(len(source_radii))])
    meta[META_KEY] = converted_provenance(SARJEPA.algorithm_name, encoder, epoch, data)
    if backbone_only:
        state_dict = OrderedDict((k, v) for k, v in state_dict.items() if k.startswith('backbone.'))
    else:
        state_dict['step'] = torch.zeros((), dtype=torch.long)  # a converted model starts a new run at step 0
    return dict(state_dict=state_dict, meta=meta)
