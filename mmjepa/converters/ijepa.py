# Copyright (c) mmjepa contributors. All rights reserved.
"""Key mapping from official I-JEPA (and timm-style) checkpoints to mmjepa's :class:`JEPAViT`,
:class:`JEPAPredictor` and :class:`IJEPA` names.

Pure dictionary work: tensors are passed through unchanged (both formats fuse q, k, v in the same row
order) and every source tensor must be mapped, so nothing is dropped silently.
"""
import re
from collections import OrderedDict
from typing import Dict, Mapping, Optional, Tuple

import torch

from ..models.algorithms import IJEPA
from ..utils.provenance import META_KEY, arch_name

# Block sub-modules: official/timm name -> mmpretrain TransformerEncoderLayer name.
_BLOCK = {'norm1': 'ln1', 'attn.qkv': 'attn.qkv', 'attn.proj': 'attn.proj', 'norm2': 'ln2',
          'mlp.fc1': 'ffn.layers.0.0', 'mlp.fc2': 'ffn.layers.1'}
_BLOCK_RE = '|'.join(re.escape(k) for k in _BLOCK)
_PARAM = r'\.(weight|bias)$'

_ENCODER_RULES = [
    (re.compile(r'^patch_embed\.proj' + _PARAM), lambda m: f'patch_embed.projection.{m[1]}'),
    (re.compile(r'^pos_embed$'), lambda m: 'pos_embed'),
    (re.compile(rf'^blocks\.(\d+)\.({_BLOCK_RE}){_PARAM}'),
     lambda m: f'layers.{m[1]}.{_BLOCK[m[2]]}.{m[3]}'),
    (re.compile(r'^(?:norm|fc_norm)' + _PARAM), lambda m: f'ln1.{m[1]}'),  # timm calls it fc_norm
]
_PREDICTOR_RULES = [
    (re.compile(r'^mask_token$'), lambda m: 'mask_token'),
    (re.compile(r'^predictor_embed' + _PARAM), lambda m: f'embed.{m[1]}'),
    (re.compile(r'^predictor_pos_embed$'), lambda m: 'pos_embed'),
    (re.compile(rf'^predictor_blocks\.(\d+)\.({_BLOCK_RE}){_PARAM}'),
     lambda m: f'layers.{m[1]}.{_BLOCK[m[2]]}.{m[3]}'),
    (re.compile(r'^predictor_norm' + _PARAM), lambda m: f'ln1.{m[1]}'),
    (re.compile(r'^predictor_proj' + _PARAM), lambda m: f'proj.{m[1]}'),
]
_ENCODER_REQUIRED = ('patch_embed.projection.weight', 'pos_embed', 'layers.0.attn.qkv.weight', 'ln1.weight')
_PREDICTOR_REQUIRED = ('mask_token', 'embed.weight', 'pos_embed', 'layers.0.attn.qkv.weight', 'proj.weight')
# Top-level entries of an official checkpoint: the models, and the training state a conversion drops.
_MODEL_PARTS = ('encoder', 'target_encoder', 'predictor')
_TRAIN_STATE = ('opt', 'scaler', 'epoch', 'loss', 'batch_size', 'world_size', 'lr')


def _strip_ddp(state_dict: Mapping) -> Dict[str, torch.Tensor]:
    return {(k[len('module.'):] if k.startswith('module.') else k): v for k, v in state_dict.items()}


def _convert(state_dict: Mapping, rules, required, what: str) -> 'OrderedDict[str, torch.Tensor]':
    if not isinstance(state_dict, Mapping) or not state_dict:
        raise ValueError(f'Expected a non-empty {what} state dict, got {type(state_dict).__name__}')
    out, unknown = OrderedDict(), []
    for key, value in _strip_ddp(state_dict).items():
        for pattern, rename in rules:
            match = pattern.match(key)
            if match:
                new_key = rename(match)
                if new_key in out:
                    raise ValueError(f'Two {what} keys map to {new_key!r} (e.g. both norm. and fc_norm.)')
                if not isinstance(value, torch.Tensor):
                    raise ValueError(f'{what} entry {key!r} is a {type(value).__name__}, not a tensor')
                out[new_key] = value
                break
        else:
            unknown.append(key)
    if unknown:
        raise ValueError(f'Unknown {what} keys, not an I-JEPA {what} (no key is dropped silently): '
                         + ', '.join(unknown))
    missing = [k for k in required if k not in out]
    if missing:
        raise ValueError(f'Incomplete I-JEPA {what}: nothing maps to the mmjepa keys {missing}')
    return out


def convert_ijepa_encoder(state_dict: Mapping) -> 'OrderedDict[str, torch.Tensor]':
    """Official (``module.`` prefixed or not) or timm I-JEPA encoder state dict -> :class:`JEPAViT` names."""
    return _convert(state_dict, _ENCODER_RULES, _ENCODER_REQUIRED, 'encoder')


def convert_ijepa_predictor(state_dict: Mapping) -> 'OrderedDict[str, torch.Tensor]':
    """Official I-JEPA predictor state dict -> :class:`JEPAPredictor` names."""
    return _convert(state_dict, _PREDICTOR_RULES, _PREDICTOR_REQUIRED, 'predictor')


def _split_source(ckpt) -> Tuple[str, Dict[str, Optional[Mapping]]]:
    """Find the model state dicts of ``ckpt``: ('official', {part: sd}) or ('timm', {'single': sd})."""
    expected = ("an official I-JEPA checkpoint (top-level keys 'encoder', 'target_encoder', 'predictor', "
                "'epoch'...) or a timm-style encoder state dict (keys 'patch_embed.proj.weight', 'blocks.0...', "
                "possibly under 'model' or 'state_dict')")
    if not isinstance(ckpt, Mapping):
        raise ValueError(f'Expected {expected}; got a {type(ckpt).__name__}')
    if any(isinstance(ckpt.get(k), Mapping) for k in ('encoder', 'target_encoder')):
        unknown = [k for k in ckpt if k not in _MODEL_PARTS + _TRAIN_STATE]
        if unknown:
            raise ValueError(f'Unknown top-level keys {unknown} in the I-JEPA checkpoint; expected only '
                             f'{list(_MODEL_PARTS + _TRAIN_STATE)}')
        return 'official', {k: ckpt.get(k) for k in _MODEL_PARTS}
    for wrapper in ('model', 'state_dict'):
        if isinstance(ckpt.get(wrapper), Mapping):
            ckpt = ckpt[wrapper]
            break
    keys = list(_strip_ddp(ckpt))
    if any(k.startswith(('backbone.', 'target_generator.')) for k in keys):
        raise ValueError('This is already an mmjepa/mmpretrain checkpoint (keys start with backbone.), not '
                         f'{expected}: nothing to convert; use it directly (load_from=FILE, or init_cfg=dict('
                         "type='Pretrained', checkpoint=FILE, prefix='target_generator.encoder.'))")
    if not any(k.startswith(('patch_embed.', 'blocks.')) for k in keys):
        raise ValueError(f'Expected {expected}; found the keys {keys[:10]}{"..." if len(keys) > 10 else ""}')
    return 'timm', {'single': ckpt}


def _prefixed(prefix: str, state_dict: Mapping) -> 'OrderedDict[str, torch.Tensor]':
    return OrderedDict((prefix + k, v) for k, v in state_dict.items())


def converted_provenance(algorithm: str, encoder: Mapping, epochs: Optional[int], data: Optional[str]) -> dict:
    """``meta['provenance']`` of a converted official checkpoint (:mod:`mmjepa.utils.provenance`): the
    converter's ``algorithm``, the arch of the converted ``encoder`` (width and patch from the patch embedding,
    depth from the block indices), the source's ``epochs`` and ``data``."""
    projection = encoder['patch_embed.projection.weight']  # [D, 3, p, p]; _ENCODER_REQUIRED
    depth = 1 + max(int(key.split('.')[1]) for key in encoder if key.startswith('layers.'))
    return dict(algorithm=algorithm, arch=arch_name(projection.shape[0], depth, projection.shape[-1]),
                epochs=epochs, max_epochs=None, data=data, config=None)


def convert_ijepa_checkpoint(ckpt: Mapping, backbone_only: bool = False, encoder: str = 'target',
                             data: Optional[str] = None, algorithm: str = IJEPA.algorithm_name) -> dict:
    """Convert a loaded I-JEPA checkpoint to an mmjepa one.

    Args:
        ckpt (dict): The ``torch.load``-ed source: an official checkpoint, or a timm-style encoder
            state dict (bare or under ``'model'`` / ``'state_dict'``).
        backbone_only (bool): Return only ``backbone.*`` (for ``init_cfg=dict(type='Pretrained',
            prefix='backbone.')`` downstream). Otherwise return the full pretraining model: ``backbone.``
            (context encoder), ``target_generator.encoder.`` (target encoder) and ``predictor.``.
        encoder (str): Encoder of a backbone-only checkpoint: ``'target'`` (EMA, what I-JEPA evaluates)
            or ``'context'``. A timm-style source has a single encoder, used in every role.
        data (str, optional): The source's pretraining data (e.g. ``'ImageNet-1k'``), for ``meta['provenance']``
            (the file does not say; None: the leaderboard shows it as unknown).
        algorithm (str): The algorithm that trained the source, for ``meta['provenance']``.

    Returns:
        dict: ``{'state_dict': ..., 'meta': {...}}``.
    """
    if encoder not in ('target', 'context'):
        raise ValueError(f"encoder must be 'target' or 'context', got {encoder!r}")
    source, parts = _split_source(ckpt)
    names = {'target': 'target_encoder', 'context': 'encoder'}

    def get_encoder(role):
        if source == 'timm':
            return convert_ijepa_encoder(parts['single'])
        if not isinstance(parts[names[role]], Mapping):
            raise ValueError(f"The I-JEPA checkpoint has no '{names[role]}' state dict (the {role} encoder); "
                             f'top-level keys: {list(ckpt)}')
        return convert_ijepa_encoder(parts[names[role]])

    meta = dict(source_format=source, converter='mmjepa.converters.convert_ijepa_checkpoint',
                backbone_only=backbone_only,
                epoch=int(ckpt['epoch']) if source == 'official' and ckpt.get('epoch') is not None else None)
    if backbone_only:
        meta['encoder'] = encoder if source == 'official' else 'single'
        kept = get_encoder(encoder)
        meta[META_KEY] = converted_provenance(algorithm, kept, meta['epoch'], data)
        return dict(state_dict=_prefixed('backbone.', kept), meta=meta)
    target = get_encoder('target')
    meta[META_KEY] = converted_provenance(algorithm, target, meta['epoch'], data)
    state_dict = _prefixed('backbone.', get_encoder('context'))
    state_dict.update(_prefixed('target_generator.encoder.', target))
    predictor = parts.get('predictor')
    if predictor is not None:
        state_dict.update(_prefixed('predictor.', convert_ijepa_predictor(predictor)))
    # The mask-RNG / EMA step counter of IJEPA: a converted model starts a new run at step 0.
    state_dict['step'] = torch.zeros((), dtype=torch.long)
    meta.update(encoder='both' if source == 'official' else 'single', has_predictor=predictor is not None)
    return dict(state_dict=state_dict, meta=meta)
