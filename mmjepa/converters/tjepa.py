# Copyright (c) mmjepa contributors. All rights reserved.
"""Key mapping from official T-JEPA checkpoints (``jose-melo/t-jepa``, ``EarlyStopCounter.cache_model``) to
mmjepa's :class:`TJEPA` names.

An official checkpoint holds ``context_encoder``, ``target_encoder`` (``Encoder`` state dicts), ``predictor``
(the ``TransformerPredictor`` state dict) and the training state (``optimizer``, ``scaler``, ``scheduler``,
``weightdecay``, ``epoch``, ``train_loss``), dropped here. Every tensor is used or dropped by name:

- dropped: ``pe.pe`` (the encoder's fixed 5000-row sin-cos table; checked against the one mmjepa computes),
  ``encoder.transformer_layers.*`` / ``transformer.transformer_layers.*`` (the prototype layer that
  ``TransformerEncoder`` clones: a registered module that forward never runs), the predictor's
  ``layer_norm.*`` (built, never used in forward) and ``predictor_pos_embed`` (its fixed table; checked);
- blocks ``*.transformer.layers.{i}``: ``self_attn.in_proj_{weight,bias}`` -> ``attn.qkv`` (q, k, v in the same
  row order), ``self_attn.out_proj`` -> ``attn.proj``, ``linear1`` -> ``ffn.layers.0.0``, ``linear2`` ->
  ``ffn.layers.1``, ``norm1`` -> ``ln1``, ``norm2`` -> ``ln2`` (post-norm blocks on both sides);
- the LN-Linear-LN heads: encoder ``encoder.{layernorm1,fc,layernorm2}`` -> ``ln1.{norm1,fc,norm2}``,
  predictor ``transformer.{layernorm1,fc,layernorm2}`` -> ``head.{norm1,fc,norm2}``; ``predictor_norm`` ->
  ``ln1``, ``predictor_emb`` -> ``embed``, ``predictor_proj`` -> ``proj``, ``mask_token`` unchanged;
- the tokenizer: ``tokenizer.{weight,bias,category_embeddings.*}`` unchanged with ``cls_token='sequence'``
  (the ``_official-index`` configs: the ``[CLS]`` rows stay in the tokenizer); with ``cls_token='register'``
  (the default configs) the ``[CLS]`` rows leave the tokenizer weight and become the encoder's register tokens,
  with the value the official token has before the blocks (its weight row plus its table row; the bias of a
  ``[CLS]`` token is 0).

The position tables mmjepa keeps as (frozen) parameters are written as mmjepa computes them: the encoder's
unused ``pos_embed`` (the tokenizer adds the official table) and the predictor's table over the layout, whose
rows the official table has are checked equal.
"""
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional

import torch

from ..models.tokenizers.tabular import official_sincos
from ..models.utils.layout import TokenLayout
from ..models.layers.block import TORCH_ENCODER_LAYER_KEYS
from ..utils.provenance import META_KEY

CLS_TOKENS = ('register', 'sequence')
_MODEL_PARTS = ('context_encoder', 'target_encoder', 'predictor')
_TRAIN_STATE = ('optimizer', 'scaler', 'scheduler', 'weightdecay', 'epoch', 'train_loss')
_BLOCK = TORCH_ENCODER_LAYER_KEYS
_HEAD = {'layernorm1': 'norm1', 'fc': 'fc', 'layernorm2': 'norm2'}
_PARAM = r'\.(weight|bias)$'


def _stack(prefix: str, head: str, key: str) -> Optional[str]:
    """The mmjepa name of a ``TabularEncoder`` tensor under ``prefix`` (None: not one of them)."""
    block = re.match(rf'^{re.escape(prefix)}transformer\.layers\.(\d+)\.(.+)$', key)
    if block and block[2] in _BLOCK:
        return f'layers.{block[1]}.{_BLOCK[block[2]]}'
    norm = re.match(rf'^{re.escape(prefix)}(layernorm1|fc|layernorm2){_PARAM}', key)
    if norm:
        return f'{head}.{_HEAD[norm[1]]}.{norm[2]}'
    return None


def _check_table(name: str, found: torch.Tensor, expected: torch.Tensor) -> None:
    if found.shape != expected.shape or not torch.allclose(found.float(), expected, atol=1e-5):
        raise ValueError(f'T-JEPA {name}: the fixed sin-cos table of the checkpoint is not the one of the official '
                         'code that mmjepa computes (another base or layout?); it cannot be converted as is')


def _strip_ddp(state_dict: Mapping) -> Dict[str, torch.Tensor]:
    return {(k[len('module.'):] if k.startswith('module.') else k): v for k, v in state_dict.items()}


def convert_tjepa_encoder(state_dict: Mapping, cls_token: str = 'register',
                          dropped: Optional[List[str]] = None) -> 'OrderedDict[str, torch.Tensor]':
    """Official T-JEPA ``Encoder`` state dict -> :class:`TokenTransformer` names (module docstring);
    ``dropped`` (if given) receives the keys left out by name."""
    if cls_token not in CLS_TOKENS:
        raise ValueError(f'cls_token={cls_token!r} must be one of {CLS_TOKENS}')
    if not isinstance(state_dict, Mapping) or 'tokenizer.weight' not in state_dict:
        found = list(state_dict)[:8] if isinstance(state_dict, Mapping) else type(state_dict).__name__
        raise ValueError('Expected an official T-JEPA encoder state dict (keys tokenizer.weight, '
                         f'encoder.transformer.layers.0...), got {found}')
    sd = _strip_ddp(state_dict)
    extra = [k for k in sd if k.startswith(('feature_type_embedding', 'feature_index_embedding'))]
    if extra:
        raise ValueError(f'T-JEPA encoder: {extra} come from model_feature_type_embedding / '
                         'model_feature_index_embedding=True, which mmjepa does not implement')
    weight, bias = sd['tokenizer.weight'], sd.get('tokenizer.bias')
    if bias is None:
        raise ValueError('T-JEPA encoder: no tokenizer.bias (the official Encoder always builds it)')
    embeddings = sorted((k for k in sd if re.match(r'^tokenizer\.category_embeddings\.\d+\.weight$', k)),
                        key=lambda k: int(k.split('.')[2]))
    num_numeric = bias.shape[0] - len(embeddings)
    num_cls = weight.shape[0] - num_numeric
    if num_numeric < 0 or num_cls < 0:
        raise ValueError(f'T-JEPA encoder: tokenizer.weight {tuple(weight.shape)} and tokenizer.bias '
                         f'{tuple(bias.shape)} with {len(embeddings)} category tables do not fit together')
    dims = weight.shape[1]
    num_features = bias.shape[0]
    out = OrderedDict()
    if cls_token == 'sequence':
        out['tokenizer.weight'] = weight
    else:
        out['tokenizer.weight'] = weight[num_cls:]
    out['tokenizer.bias'] = bias
    for key in embeddings:
        out[key] = sd[key]
    used = {'tokenizer.weight', 'tokenizer.bias', *embeddings}
    if 'pe.pe' in sd:
        table = sd['pe.pe']
        _check_table('encoder pe.pe', table[:num_cls + num_features],
                     official_sincos(num_cls + num_features, dims)[0])
        used.add('pe.pe')
        if dropped is not None:
            dropped.append('pe.pe')
    else:
        table = official_sincos(num_cls + num_features, dims)[0]
    if cls_token == 'register':
        out['register_tokens'] = (weight[:num_cls] + table[:num_cls].to(weight))[None]
    unknown = []
    for key, value in sd.items():
        if key in used:
            continue
        if key.startswith('encoder.transformer_layers.'):
            if dropped is not None:
                dropped.append(key)
            continue
        new = _stack('encoder.', 'ln1', key)
        if new is None:
            unknown.append(key)
        else:
            out[new] = value
    if unknown:
        raise ValueError('Unknown keys in the T-JEPA encoder (no key is dropped silently): ' + ', '.join(unknown))
    if 'layers.0.attn.qkv.weight' not in out or 'ln1.fc.weight' not in out:
        raise ValueError('Incomplete T-JEPA encoder: no encoder.transformer.layers.0 or encoder.fc tensors')
    num_tokens = num_features + (num_cls if cls_token == 'sequence' else 0)
    out['pos_embed'] = TokenLayout((num_tokens, )).sincos(dims)  # unused (abs_pos=False): mmjepa's init value
    return out


def convert_tjepa_predictor(state_dict: Mapping, cls_token: str = 'register',
                            dropped: Optional[List[str]] = None) -> 'OrderedDict[str, torch.Tensor]':
    """Official T-JEPA ``TransformerPredictor`` state dict -> :class:`JEPAPredictor` names (with the
    LN-Linear-LN ``head``). The position table covers the mmjepa layout: ``D`` features on rows ``1..D``
    (``cls_token='register'``), or ``1 + D`` tokens on rows ``0..D`` (``'sequence'``)."""
    if cls_token not in CLS_TOKENS:
        raise ValueError(f'cls_token={cls_token!r} must be one of {CLS_TOKENS}')
    if isinstance(state_dict, (list, tuple)):
        raise ValueError("T-JEPA predictor: a list of state dicts is the official pred_type='mlp' predictor, "
                         "which mmjepa does not implement (pred_type='transformer' only)")
    if not isinstance(state_dict, Mapping) or 'predictor_emb.weight' not in state_dict:
        raise ValueError('Expected an official T-JEPA TransformerPredictor state dict (keys predictor_emb.weight, '
                         'transformer.transformer.layers.0...)')
    sd = _strip_ddp(state_dict)
    rules = {'mask_token': 'mask_token', 'predictor_emb.weight': 'embed.weight', 'predictor_emb.bias': 'embed.bias',
             'predictor_norm.weight': 'ln1.weight', 'predictor_norm.bias': 'ln1.bias',
             'predictor_proj.weight': 'proj.weight', 'predictor_proj.bias': 'proj.bias'}
    drop = ('layer_norm.weight', 'layer_norm.bias', 'predictor_pos_embed')
    out, unknown = OrderedDict(), []
    for key, value in sd.items():
        if key in rules:
            out[rules[key]] = value
        elif key in drop or key.startswith('transformer.transformer_layers.'):
            if dropped is not None:
                dropped.append(key)
        else:
            new = _stack('transformer.', 'head', key)
            if new is None:
                unknown.append(key)
            else:
                out[new] = value
    if unknown:
        raise ValueError('Unknown keys in the T-JEPA predictor (no key is dropped silently): ' + ', '.join(unknown))
    if 'predictor_pos_embed' not in sd or 'layers.0.attn.qkv.weight' not in out:
        raise ValueError('Incomplete T-JEPA predictor: no predictor_pos_embed or transformer.transformer.layers.0')
    official = sd['predictor_pos_embed']  # [1, D, P] over the official mask indices 0..D-1
    num_features, dims = official.shape[1], official.shape[2]
    rows = torch.arange(num_features + 1, dtype=torch.float64)  # mmjepa also covers row D (the last feature)
    half = dims // 2
    angle = rows[:, None] / 10000 ** (torch.arange(half, dtype=torch.float64) / half)
    table = torch.cat([angle.sin(), angle.cos()], dim=1).float()
    _check_table('predictor_pos_embed', official[0], table[:num_features])
    out['pos_embed'] = (table[1:] if cls_token == 'register' else table)[None]
    return out


def _provenance(encoder: Mapping, epoch: Optional[int], data: Optional[str]) -> dict:
    depth = 1 + max(int(k.split('.')[1]) for k in encoder if k.startswith('layers.'))
    dims = encoder['tokenizer.bias'].shape[1]
    return dict(algorithm='T-JEPA', arch=f'FT-Transformer-D{dims}xL{depth}', epochs=epoch, max_epochs=None,
                data=data, config=None)


def convert_tjepa_checkpoint(ckpt: Mapping, cls_token: str = 'register', backbone_only: bool = False,
                             encoder: str = 'target', data: Optional[str] = None) -> dict:
    """Convert a loaded official T-JEPA checkpoint to an mmjepa :class:`TJEPA` one.

    Args:
        ckpt (dict): The loaded official checkpoint (module docstring).
        cls_token (str): ``'register'`` for the default configs (the ``[CLS]`` token as a register token),
            ``'sequence'`` for the ``_official-index`` ones. Defaults to 'register'.
        backbone_only (bool): Return only ``backbone.*`` (one encoder). Otherwise the full model:
            ``backbone.`` (context encoder), ``target_generator.encoder.``, ``predictor.``, ``step``.
        encoder (str): Encoder of a backbone-only file: ``'target'`` (EMA, what T-JEPA evaluates) or
            ``'context'``.
        data (str, optional): The source's pretraining table, for ``meta['provenance']``.

    Returns:
        dict: ``{'state_dict': ..., 'meta': {...}}``; ``meta['dropped']`` lists the tensors left out by name.
    """
    if encoder not in ('target', 'context'):
        raise ValueError(f"encoder must be 'target' or 'context', got {encoder!r}")
    if not isinstance(ckpt, Mapping) or not isinstance(ckpt.get('context_encoder'), Mapping):
        raise ValueError('Expected an official T-JEPA checkpoint (top-level keys context_encoder, target_encoder, '
                         f'predictor, optimizer, ...); got {list(ckpt) if isinstance(ckpt, Mapping) else type(ckpt)}')
    unknown = [k for k in ckpt if k not in _MODEL_PARTS + _TRAIN_STATE]
    if unknown:
        raise ValueError(f'Unknown top-level keys {unknown} in the T-JEPA checkpoint; expected only '
                         f'{list(_MODEL_PARTS + _TRAIN_STATE)}')
    epoch = ckpt.get('epoch')
    epoch = int(epoch) if epoch is not None else None
    dropped: List[str] = []
    meta = dict(source_format='official', converter='mmjepa.converters.convert_tjepa_checkpoint',
                backbone_only=backbone_only, cls_token=cls_token, epoch=epoch, dropped=dropped,
                dropped_training_state=[k for k in _TRAIN_STATE if k in ckpt and k != 'epoch'])
    names = dict(target='target_encoder', context='context_encoder')

    def get(role):
        if not isinstance(ckpt.get(names[role]), Mapping):
            raise ValueError(f"The T-JEPA checkpoint has no '{names[role]}' state dict")
        found: List[str] = []
        converted = convert_tjepa_encoder(ckpt[names[role]], cls_token, found)
        dropped.extend(f'{names[role]}.{k}' for k in found)
        return converted

    if backbone_only:
        kept = get(encoder)
        meta.update(encoder=encoder)
        meta[META_KEY] = _provenance(kept, epoch, data)
        return dict(state_dict=OrderedDict(('backbone.' + k, v) for k, v in kept.items()), meta=meta)
    target, context = get('target'), get('context')
    state_dict = OrderedDict(('backbone.' + k, v) for k, v in context.items())
    state_dict.update(('target_generator.encoder.' + k, v) for k, v in target.items())
    if ckpt.get('predictor') is not None:
        found = []
        predictor = convert_tjepa_predictor(ckpt['predictor'], cls_token, found)
        state_dict.update(('predictor.' + k, v) for k, v in predictor.items())
        dropped.extend(f'predictor.{k}' for k in found)
    state_dict['step'] = torch.zeros((), dtype=torch.long)  # a converted model starts a new run at step 0
    meta.update(encoder='both', has_predictor=ckpt.get('predictor') is not None)
    meta[META_KEY] = _provenance(target, epoch, data)
    return dict(state_dict=state_dict, meta=meta)
