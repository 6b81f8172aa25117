# Copyright (c) mmjepa contributors. All rights reserved.
"""Key mapping from official seq-JEPA checkpoints (``hafezgh/seq-jepa``, the files on the Hugging Face Hub
``Hafez/seq-JEPA``) to mmjepa's :class:`SeqJEPA` names.

The official ``main_transformed_views.py`` saves ``{'model': state_dict, 'optimizer', 'min_loss', 'epoch',
'run_id'[, 'lr_scheduler']}``; the state dict is that of ``SeqJEPA_Transforms`` plus the online monitoring probes
(and, in an evaluation run, the offline probes of ``add_probes``). Renames (tensors unchanged; the fused
``in_proj`` of ``nn.MultiheadAttention`` has mmpretrain's q, k, v row order and head split):

- ``encoder.*`` -> ``backbone.*``, ``target_encoder.*`` -> ``target_generator.encoder.*`` (torchvision's and
  mmpretrain's ResNet-18 share every name: ``conv1``, ``bn1``, ``layer{1-4}.{i}.{conv,bn}{1,2}``,
  ``downsample.{0,1}``; torchvision's ``fc`` is ``Identity`` and has no key);
- ``agg_token`` -> ``aggregator.agg_token``; ``action_proj.{0,1}`` -> ``aggregator.action_embed.{0,1}``;
- ``transformer_encoder.transformer_encoder.layers.{i}.``: ``self_attn.in_proj_{weight,bias}`` ->
  ``attn.qkv``, ``self_attn.out_proj`` -> ``attn.proj``, ``linear1`` -> ``ffn.layers.0.0``, ``linear2`` ->
  ``ffn.layers.1``, ``norm1`` -> ``ln1``, ``norm2`` -> ``ln2`` (post-norm: ``ln1(x + attn(x))``) under
  ``aggregator.layers.{i}.``; ``transformer_encoder.norm`` -> ``aggregator.ln1``;
- ``predictor.{0,1,3}`` -> ``predictor.mlp.{0,1,3}``.

Dropped, by name (``meta['dropped']`` lists the keys): the probes, which mmjepa's ``seqjepa_eval.py`` trains
offline (``online_linprobe``, ``online_equiprobe``, ``agg_classifier``, ``res_classifier`` and the
``*_regressor`` heads). Any other key is an error.
"""
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Tuple

import torch

from ..models.algorithms import SeqJEPA
from ..models.layers.block import TORCH_ENCODER_LAYER_KEYS
from ..utils.provenance import META_KEY
from .ijepa import _strip_ddp

_BLOCK = TORCH_ENCODER_LAYER_KEYS
_RULES = [
    (re.compile(r'^encoder\.(.+)$'), lambda m: 'backbone.' + m[1]),
    (re.compile(r'^target_encoder\.(.+)$'), lambda m: 'target_generator.encoder.' + m[1]),
    (re.compile(r'^agg_token$'), lambda m: 'aggregator.agg_token'),
    (re.compile(r'^action_proj\.([01]\..+)$'), lambda m: 'aggregator.action_embed.' + m[1]),
    (re.compile(r'^transformer_encoder\.transformer_encoder\.layers\.(\d+)\.('
                + '|'.join(re.escape(k) for k in _BLOCK) + r')$'),
     lambda m: f'aggregator.layers.{m[1]}.{_BLOCK[m[2]]}'),
    (re.compile(r'^transformer_encoder\.norm\.(weight|bias)$'), lambda m: 'aggregator.ln1.' + m[1]),
    (re.compile(r'^predictor\.([013]\..+)$'), lambda m: 'predictor.mlp.' + m[1]),
]
# The official probes (monitoring during pretraining, offline heads of an evaluation run): no mmjepa counterpart.
DROPPED = re.compile(r'^(online_linprobe|online_equiprobe|agg_classifier|res_classifier|[a-z_]+_regressor)\.')
REQUIRED = ('backbone.conv1.weight', 'target_generator.encoder.conv1.weight', 'aggregator.agg_token',
            'aggregator.action_embed.0.weight', 'aggregator.layers.0.attn.qkv.weight', 'aggregator.ln1.weight',
            'predictor.mlp.0.weight')
TRAINING_STATE = ('optimizer', 'min_loss', 'epoch', 'run_id', 'lr_scheduler')


def seqjepa_key(key: str) -> Optional[str]:
    """The mmjepa name of an official ``SeqJEPA_Transforms`` key (None: a dropped probe); ValueError if the key
    is unknown."""
    if DROPPED.match(key):
        return None
    for pattern, rename in _RULES:
        match = pattern.match(key)
        if match:
            return rename(match)
    raise ValueError(f'Unknown key in the seq-JEPA checkpoint (no key is dropped silently): {key!r}')


def convert_seqjepa_state_dict(state_dict: Mapping) -> Tuple['OrderedDict[str, torch.Tensor]', List[str]]:
    """Official ``SeqJEPA_Transforms`` state dict (``module.`` prefixed or not) -> (mmjepa :class:`SeqJEPA`
    state dict, dropped keys)."""
    if not isinstance(state_dict, Mapping) or not state_dict:
        raise ValueError(f'Expected a non-empty seq-JEPA state dict, got {type(state_dict).__name__}')
    out, dropped, unknown = OrderedDict(), [], []
    for key, value in _strip_ddp(state_dict).items():
        try:
            new = seqjepa_key(key)
        except ValueError:
            unknown.append(key)
            continue
        if new is None:
            dropped.append(key)
        else:
            out[new] = value
    if unknown:
        raise ValueError('Unknown keys in the seq-JEPA checkpoint (no key is dropped silently): ' + ', '.join(unknown))
    missing = [key for key in REQUIRED if key not in out]
    if missing:
        raise ValueError(f'Incomplete seq-JEPA checkpoint: nothing maps to {missing}')
    return out, dropped


def describe_seqjepa(state_dict: Mapping) -> Dict[str, object]:
    """The mmjepa model settings a converted state dict needs: backbone type (the 3x3 stem of
    ``--cifar-resnet`` -> ``JEPAResNetCIFAR``), ``action_dims``, ``action_embed_dims``, ``num_layers``,
    predictor ``hidden_dims``."""
    stem = state_dict['backbone.conv1.weight']
    embed = state_dict['aggregator.action_embed.0.weight']  # [A', A]
    depth = 1 + max(int(key.split('.')[2]) for key in state_dict if key.startswith('aggregator.layers.'))
    return dict(backbone='JEPAResNetCIFAR' if stem.shape[-1] == 3 else 'JEPAResNet', action_dims=embed.shape[1],
                action_embed_dims=embed.shape[0], num_layers=depth,
                hidden_dims=state_dict['predictor.mlp.0.weight'].shape[0])


def convert_seqjepa_checkpoint(ckpt: Mapping, backbone_only: bool = False, data: Optional[str] = None) -> dict:
    """Convert a loaded official seq-JEPA checkpoint to an mmjepa :class:`SeqJEPA` one.

    Args:
        ckpt (dict): The official file (``{'model': state_dict, ...}``) or its bare state dict.
        backbone_only (bool): Return only ``backbone.*``, the online ResNet the official evaluation probes (for
            ``init_cfg=dict(type='Pretrained', prefix='backbone.')``). Otherwise the full :class:`SeqJEPA`
            (``backbone.``, ``target_generator.encoder.``, ``aggregator.``, ``predictor.``, ``step`` 0).
        data (str, optional): The pretraining data (e.g. ``'3DIEBench'``), for ``meta['provenance']``.

    Returns:
        dict: ``{'state_dict': ..., 'meta': {...}}``; ``meta['model']`` the settings the model config needs.
    """
    if not isinstance(ckpt, Mapping):
        raise ValueError(f'Expected a seq-JEPA checkpoint (a dict), got a {type(ckpt).__name__}')
    wrapped = isinstance(ckpt.get('model'), Mapping)
    if wrapped:
        extra = [key for key in ckpt if key != 'model' and key not in TRAINING_STATE]
        if extra:
            raise ValueError(f'Unknown top-level entries in the seq-JEPA checkpoint: {extra} (expected model and '
                             f'the training state {TRAINING_STATE})')
    state_dict, dropped = convert_seqjepa_state_dict(ckpt['model'] if wrapped else ckpt)
    epoch = int(ckpt['epoch']) if wrapped and ckpt.get('epoch') is not None else None
    settings = describe_seqjepa(state_dict)
    meta = dict(source_format='official' if wrapped else 'state_dict',
                converter='mmjepa.converters.convert_seqjepa_checkpoint', backbone_only=backbone_only, epoch=epoch,
                dropped=dropped, model=settings,
                training_state_dropped=[key for key in TRAINING_STATE if wrapped and key in ckpt])
    meta[META_KEY] = dict(algorithm=SeqJEPA.algorithm_name, arch='ResNet-18', epochs=epoch, max_epochs=None,
                          data=data, config=None)
    if backbone_only:
        state_dict = OrderedDict((k, v) for k, v in state_dict.items() if k.startswith('backbone.'))
    else:
        state_dict['step'] = torch.zeros((), dtype=torch.long)  # a converted model starts a new run at step 0
    return dict(state_dict=state_dict, meta=meta)
