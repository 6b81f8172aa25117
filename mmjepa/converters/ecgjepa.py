# Copyright (c) mmjepa contributors. All rights reserved.
"""Key mapping from official ECG-JEPA checkpoints (`kweimann/ECG-JEPA <https://github.com/kweimann/ECG-JEPA>`_)
to mmjepa's :class:`ECGJEPA` names.

The official ``pretrain.py`` saves ``{'model': JEPA state dict, 'optimizer', 'config', 'step'}`` (the JEPA
state dict holds ``encoder.*``, ``predictor.*`` and ``target_encoder.*``); the released files are "minified"
(``scripts/minify_pretrained_checkpoint.py``): ``{'model': target_encoder.* only, 'config'}``. Every tensor
of ``model`` is mapped; the optimizer state and the step are training state and are dropped (reported in
``meta['dropped']``); ``config`` sizes the position tables, which the official code computes and does not
save (interleaved sin/cos, :meth:`TokenLayout.sincos` with ``interleave=True``), and is kept in
``meta['official_config']``.
"""
import re
from collections import OrderedDict
from typing import Dict, Mapping, Optional

import torch

from ..models.utils.layout import TokenLayout
from ..utils.provenance import META_KEY, arch_name

# Block sub-modules: official name -> mmjepa block name (mmpretrain TransformerEncoderLayer / JEPABlock).
_BLOCK = {'norm1': 'ln1', 'attn.qkv': 'attn.qkv', 'attn.proj': 'attn.proj', 'norm2': 'ln2',
          'mlp.fc1': 'ffn.layers.0.0', 'mlp.fc2': 'ffn.layers.1'}
_BLOCK_RE = '|'.join(re.escape(k) for k in _BLOCK)
_PARAM = r'\.(weight|bias)$'
_ENCODER_RULES = [
    (re.compile(r'^patch_embed\.proj' + _PARAM), lambda m: f'tokenizer.proj.{m[1]}'),
    (re.compile(r'^registers$'), lambda m: 'register_tokens'),
    (re.compile(rf'^blocks\.(\d+)\.({_BLOCK_RE}){_PARAM}'), lambda m: f'layers.{m[1]}.{_BLOCK[m[2]]}.{m[3]}'),
    (re.compile(r'^norm' + _PARAM), lambda m: f'ln1.{m[1]}'),
]
_PREDICTOR_RULES = [
    (re.compile(r'^embed' + _PARAM), lambda m: f'embed.{m[1]}'),
    (re.compile(r'^mask_token$'), lambda m: 'mask_token'),
    (re.compile(rf'^blocks\.(\d+)\.({_BLOCK_RE}){_PARAM}'), lambda m: f'layers.{m[1]}.{_BLOCK[m[2]]}.{m[3]}'),
    (re.compile(r'^norm' + _PARAM), lambda m: f'ln1.{m[1]}'),
    (re.compile(r'^proj' + _PARAM), lambda m: f'proj.{m[1]}'),
]
_PARTS = {'encoder': _ENCODER_RULES, 'target_encoder': _ENCODER_RULES, 'predictor': _PREDICTOR_RULES}
_TOP_LEVEL_DROPPED = ('optimizer', 'step')  # training state
_TOP_LEVEL = ('model', 'config') + _TOP_LEVEL_DROPPED


def _convert_part(state_dict: Mapping, rules, what: str) -> 'OrderedDict[str, torch.Tensor]':
    out, unknown = OrderedDict(), []
    for key, value in state_dict.items():
        match, rename = next(((m, r) for m, r in ((p.match(key), r) for p, r in rules) if m), (None, None))
        if match is None:
            unknown.append(key)
        else:
            out[rename(match)] = value
    if unknown:
        hint = ' (LayerScale, layer_scale_eps > 0, has no mmjepa counterpart)' \
            if any('_ls.' in k for k in unknown) else ''
        raise ValueError(f'Unknown keys in the official ECG-JEPA {what}{hint}; no key is dropped silently: '
                         + ', '.join(unknown))
    return out


def _split(model: Mapping) -> Dict[str, Dict[str, torch.Tensor]]:
    parts: Dict[str, Dict[str, torch.Tensor]] = {}
    for key, value in model.items():
        key = key[len('module.'):] if key.startswith('module.') else key
        head, _, rest = key.partition('.')
        if head not in _PARTS or not rest:
            raise ValueError(f'Unknown key {key!r} in the official ECG-JEPA model; expected encoder.*, '
                             'target_encoder.* or predictor.* (a fine-tuned classifier checkpoint is not a '
                             'pretraining one)')
        parts.setdefault(head, {})[rest] = value
    return parts


def _num_tokens(config: Optional[Mapping], encoder: Mapping) -> int:
    if config is None or 'channel_size' not in config or 'patch_size' not in config:
        raise ValueError("The official ECG-JEPA checkpoint has no 'config' with channel_size and patch_size: the "
                         'position tables (not saved by the official code) cannot be sized')
    patch = encoder['tokenizer.proj.weight'].shape[-1]
    if patch != config['patch_size']:
        raise ValueError(f"config.patch_size={config['patch_size']} but the patch embedding has kernel {patch}")
    return int(config['channel_size']) // int(config['patch_size'])


def _with_position_table(state_dict: 'OrderedDict[str, torch.Tensor]', num_tokens: int,
                         dims: int) -> 'OrderedDict[str, torch.Tensor]':
    out = OrderedDict(pos_embed=TokenLayout((num_tokens, )).sincos(dims, interleave=True))
    out.update(state_dict)
    return out


def convert_ecgjepa_checkpoint(ckpt: Mapping, backbone_only: bool = False, encoder: str = 'target',
                               data: Optional[str] = None) -> dict:
    """Convert a loaded official ECG-JEPA checkpoint (full or minified) to an mmjepa one.

    Args:
        ckpt (dict): ``{'model': ..., 'config': ...}`` and optionally ``'optimizer'``, ``'step'``.
        backbone_only (bool): Return ``backbone.*`` only (one encoder), for ``init_cfg=dict(type='Pretrained',
            prefix='backbone.')``. Otherwise the :class:`ECGJEPA` model: ``backbone.`` (context encoder),
            ``target_generator.encoder.``, ``predictor.`` (when the source has them; a minified file has the
            target encoder only, which then fills both encoder roles, ``meta['encoder']`` says so).
        encoder (str): ``'target'`` (default, what the official evaluation loads) or ``'context'``.
        data (str, optional): The pretraining data, for ``meta['provenance']``.

    Returns:
        dict: ``{'state_dict': ..., 'meta': {...}}``.
    """
    if encoder not in ('target', 'context'):
        raise ValueError(f"encoder must be 'target' or 'context', got {encoder!r}")
    if not isinstance(ckpt, Mapping) or not isinstance(ckpt.get('model'), Mapping):
        raise ValueError("Expected an official ECG-JEPA checkpoint: a dict with 'model' (encoder.*, "
                         "target_encoder.*, predictor.*) and 'config'")
    unknown = [k for k in ckpt if k not in _TOP_LEVEL]
    if unknown:
        raise ValueError(f'Unknown top-level keys {unknown} in the ECG-JEPA checkpoint; expected {list(_TOP_LEVEL)}'
                         + (" ('eval_config': a fine-tuned classifier, not a pretraining checkpoint)"
                            if 'eval_config' in unknown else ''))
    config = ckpt.get('config')
    parts = {name: _convert_part(sd, _PARTS[name], name) for name, sd in _split(ckpt['model']).items()}
    names = {'target': 'target_encoder', 'context': 'encoder'}
    available = [names[r] for r in ('target', 'context') if names[r] in parts]
    if not available:
        raise ValueError('The ECG-JEPA checkpoint holds no encoder (encoder.* or target_encoder.*)')
    some_encoder = parts[available[0]]
    num_tokens = _num_tokens(config, some_encoder)
    for name in ('encoder', 'target_encoder'):
        if name in parts:
            dims = parts[name]['tokenizer.proj.weight'].shape[0]
            parts[name] = _with_position_table(parts[name], num_tokens, dims)
    if 'predictor' in parts:
        parts['predictor'] = _with_position_table(parts['predictor'], num_tokens,
                                                  parts['predictor']['embed.weight'].shape[0])

    def get(role):
        if names[role] in parts:
            return parts[names[role]], role
        return parts[available[0]], available[0].replace('target_encoder', 'target').replace('encoder', 'context')

    meta = dict(source_format='official-ecgjepa', converter='mmjepa.converters.convert_ecgjepa_checkpoint',
                backbone_only=backbone_only, step=int(ckpt['step']) if ckpt.get('step') is not None else None,
                dropped=[k for k in _TOP_LEVEL_DROPPED if k in ckpt],
                official_config=dict(config) if isinstance(config, Mapping) else None)

    def provenance(enc):
        proj = enc['tokenizer.proj.weight']
        depth = 1 + max(int(k.split('.')[1]) for k in enc if k.startswith('layers.'))
        return dict(algorithm='ECG-JEPA', arch=arch_name(proj.shape[0], depth, proj.shape[-1]), epochs=None,
                    max_epochs=None, data=data, config=None)

    if backbone_only:
        kept, role = get(encoder)
        meta.update(encoder=role)
        meta[META_KEY] = provenance(kept)
        return dict(state_dict=OrderedDict(('backbone.' + k, v) for k, v in kept.items()), meta=meta)
    context, context_role = get('context')
    target, target_role = get('target')
    state_dict = OrderedDict(('backbone.' + k, v) for k, v in context.items())
    state_dict.update(('target_generator.encoder.' + k, v) for k, v in target.items())
    if 'predictor' in parts:
        state_dict.update(('predictor.' + k, v) for k, v in parts['predictor'].items())
    state_dict['step'] = torch.zeros((), dtype=torch.long)  # a converted model starts a new run
    meta.update(encoder=f'backbone from the {context_role} encoder, target from the {target_role} encoder',
                has_predictor='predictor' in parts)
    meta[META_KEY] = provenance(target)
    return dict(state_dict=state_dict, meta=meta)
