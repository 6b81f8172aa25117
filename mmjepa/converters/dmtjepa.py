# Copyright (c) mmjepa contributors. All rights reserved.
"""Key mapping from official DMT-JEPA checkpoints to mmjepa's :class:`DMTJEPA` names.

The official DMT-JEPA checkpoints have the I-JEPA format (``encoder``, ``target_encoder``, ``predictor``,
training state): they are converted by :func:`convert_ijepa_checkpoint`. The official training script does not
save its aggregation heads; a checkpoint that does (top-level ``LocalAggHead`` / ``target_LocalAggHead``, the
script's variable names, or their snake-case forms) has them mapped too: ``cls_blocks.{i}.norm1`` ->
``layers.{i}.ln1``, ``attn.{q,k,v,proj}`` unchanged, ``norm2`` -> ``ln2``, ``mlp.fc{1,2}`` -> ``ffn.fc{1,2}``,
``norm`` -> ``ln``.
"""
import re
from collections import OrderedDict
from typing import Mapping, Optional

import torch

from ..models.algorithms import DMTJEPA
from .ijepa import _strip_ddp, convert_ijepa_checkpoint

_HEAD_BLOCK = {'norm1': 'ln1', 'attn.q': 'attn.q', 'attn.k': 'attn.k', 'attn.v': 'attn.v',
               'attn.proj': 'attn.proj', 'norm2': 'ln2', 'mlp.fc1': 'ffn.fc1', 'mlp.fc2': 'ffn.fc2'}
_HEAD_RE = re.compile(r'^cls_blocks\.(\d+)\.(' + '|'.join(re.escape(k) for k in _HEAD_BLOCK) + r')\.(weight|bias)$')
_HEAD_NORM_RE = re.compile(r'^norm\.(weight|bias)$')
# Top-level names a checkpoint with heads may use: online (context-side) head, EMA (target-side) head.
ONLINE_HEAD_KEYS = ('LocalAggHead', 'local_agg_head', 'agg_head')
TARGET_HEAD_KEYS = ('target_LocalAggHead', 'target_local_agg_head', 'target_agg_head')


def convert_dmtjepa_head(state_dict: Mapping) -> 'OrderedDict[str, torch.Tensor]':
    """Official ``LocalAggHead`` state dict (``module.`` prefixed or not) -> :class:`LocalAggHead` names."""
    if not isinstance(state_dict, Mapping) or not state_dict:
        raise ValueError(f'Expected a non-empty LocalAggHead state dict, got {type(state_dict).__name__}')
    out, unknown = OrderedDict(), []
    for key, value in _strip_ddp(state_dict).items():
        match = _HEAD_RE.match(key)
        if match:
            out[f'layers.{match[1]}.{_HEAD_BLOCK[match[2]]}.{match[3]}'] = value
        elif _HEAD_NORM_RE.match(key):
            out['ln.' + key.split('.')[1]] = value
        else:
            unknown.append(key)
    if unknown:
        raise ValueError('Unknown keys in the DMT-JEPA aggregation head (no key is dropped silently): '
                         + ', '.join(unknown))
    for required in ('layers.0.attn.q.weight', 'ln.weight'):
        if required not in out:
            raise ValueError(f'Incomplete DMT-JEPA aggregation head: nothing maps to {required!r}')
    return out


def _pop_head(ckpt: dict, names) -> tuple:
    found = [name for name in names if name in ckpt]
    if len(found) > 1:
        raise ValueError(f'The checkpoint has several heads of one role: {found}')
    return (found[0], ckpt.pop(found[0])) if found else (None, None)


def convert_dmtjepa_checkpoint(ckpt: Mapping, backbone_only: bool = False, encoder: str = 'target',
                               data: Optional[str] = None) -> dict:
    """Convert a loaded official DMT-JEPA checkpoint to an mmjepa :class:`DMTJEPA` one.

    Arguments and result as :func:`convert_ijepa_checkpoint`. Without ``backbone_only``, heads present in the
    source become ``agg_head.*`` (online) and ``target_generator.agg_head.*`` (EMA); when only one of them is
    present it is used for both (``meta['heads']`` says which). With no head in the source (the official
    files), a model loading the result keeps its initialised heads.
    """
    if not isinstance(ckpt, Mapping):
        raise ValueError(f'Expected a DMT-JEPA checkpoint (a dict), got a {type(ckpt).__name__}')
    ckpt = dict(ckpt)
    online_name, online = _pop_head(ckpt, ONLINE_HEAD_KEYS)
    target_name, target = _pop_head(ckpt, TARGET_HEAD_KEYS)
    out = convert_ijepa_checkpoint(ckpt, backbone_only=backbone_only, encoder=encoder, data=data,
                                   algorithm=DMTJEPA.algorithm_name)
    meta = out['meta']
    meta['converter'] = 'mmjepa.converters.convert_dmtjepa_checkpoint'
    if backbone_only:
        meta['heads'] = 'not converted (backbone only)'
        return out
    online = convert_dmtjepa_head(online) if online is not None else None
    target = convert_dmtjepa_head(target) if target is not None else None
    if online is None and target is None:
        meta['heads'] = 'none in the source'
        return out
    heads = {'agg_head.': online if online is not None else target,
             'target_generator.agg_head.': target if target is not None else online}
    for prefix, head in heads.items():
        out['state_dict'].update((prefix + k, v) for k, v in head.items())
    meta['heads'] = (f'online from {online_name!r}' if online is not None else f'online copied from {target_name!r}') \
        + ', ' + (f'target from {target_name!r}' if target is not None else f'target copied from {online_name!r}')
    return out
