# Copyright (c) mmjepa contributors. All rights reserved.
"""Key mapping from official I-JEPA, timm-style and Hugging Face ``transformers`` checkpoints to mmjepa's
:class:`JEPAViT`, :class:`JEPAPredictor` and :class:`IJEPA` names.

Pure dictionary work: tensors are passed through unchanged (the official and timm formats fuse q, k, v in
the same row order as mmpretrain; the separate q, k, v of ``transformers`` are concatenated in that order)
and every source tensor must be mapped, so nothing is dropped silently: the only tensors left out are the
heads of a ``transformers`` model that :class:`JEPAViT` has no place for, and they are reported.
"""
import math
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Tuple

import torch

from ..models.algorithms import IJEPA
from ..utils.provenance import META_KEY, arch_name
from ..utils.transfer import is_transformers_layout

# Block sub-modules: official/timm name -> mmpretrain TransformerEncoderLayer name.
_BLOCK = {'norm1': 'ln1', 'attn.qkv': 'attn.qkv', 'attn.proj': 'attn.proj', 'norm2': 'ln2',
          'mlp.fc1': 'ffn.layers.0.0', 'mlp.fc2': 'ffn.layers.1'}
# transformers IJepaLayer sub-modules, as 4.x saved them (the Hub files facebook/ijepa_vit*) and as 5.x names
# them (the renaming of transformers.conversion_mapping 'ViTModel'). (name, i): part i of the fused q, k, v.
_HF_BLOCK = {
    'encoder.layer': {'layernorm_before': 'ln1', 'attention.attention.query': ('attn.qkv', 0),
                      'attention.attention.key': ('attn.qkv', 1), 'attention.attention.value': ('attn.qkv', 2),
                      'attention.output.dense': 'attn.proj', 'layernorm_after': 'ln2',
                      'intermediate.dense': 'ffn.layers.0.0', 'output.dense': 'ffn.layers.1'},
    'layers': {'layernorm_before': 'ln1', 'attention.q_proj': ('attn.qkv', 0), 'attention.k_proj': ('attn.qkv', 1),
               'attention.v_proj': ('attn.qkv', 2), 'attention.o_proj': 'attn.proj', 'layernorm_after': 'ln2',
               'mlp.fc1': 'ffn.layers.0.0', 'mlp.fc2': 'ffn.layers.1'},
}
_QKV = ('query', 'key', 'value')
_PARAM = r'\.(weight|bias)$'
_HF = r'^(?:ijepa\.)?'  # IJepaForImageClassification holds its IJepaModel as ijepa.


def _alternatives(names) -> str:
    return '|'.join(re.escape(k) for k in names)


_BLOCK_RE = _alternatives(_BLOCK)


def _hf_block(layout: str):
    def rename(m):
        new = _HF_BLOCK[layout][m[2]]
        if isinstance(new, tuple):
            return f'layers.{m[1]}.{new[0]}.{m[3]}', new[1]
        return f'layers.{m[1]}.{new}.{m[3]}'
    return re.compile(_HF + rf'{re.escape(layout)}\.(\d+)\.({_alternatives(_HF_BLOCK[layout])}){_PARAM}'), rename


_ENCODER_RULES = [
    (re.compile(r'^patch_embed\.proj' + _PARAM), lambda m: f'patch_embed.projection.{m[1]}'),
    (re.compile(r'^pos_embed$'), lambda m: 'pos_embed'),
    (re.compile(rf'^blocks\.(\d+)\.({_BLOCK_RE}){_PARAM}'),
     lambda m: f'layers.{m[1]}.{_BLOCK[m[2]]}.{m[3]}'),
    (re.compile(r'^(?:norm|fc_norm)' + _PARAM), lambda m: f'ln1.{m[1]}'),  # timm calls it fc_norm
    # transformers IJepaModel, 4.x and 5.x names
    (re.compile(_HF + r'embeddings\.patch_embeddings\.projection' + _PARAM),
     lambda m: f'patch_embed.projection.{m[1]}'),
    (re.compile(_HF + r'embeddings\.position_embeddings$'), lambda m: 'pos_embed'),
    _hf_block('encoder.layer'),
    _hf_block('layers'),
    (re.compile(_HF + r'layernorm' + _PARAM), lambda m: f'ln1.{m[1]}'),
    # heads JEPAViT has no place for (None: left out, and reported): the pooler (first-token dense + tanh) of
    # IJepaModel(add_pooling_layer=True), the classifier of IJepaForImageClassification, the MIM mask token
    (re.compile(_HF + r'(?:pooler\.dense|classifier)' + _PARAM), lambda m: None),
    (re.compile(_HF + r'embeddings\.mask_token$'), lambda m: None),
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


def _convert(state_dict: Mapping, rules, required, what: str,
             left_out: Optional[List[str]] = None) -> 'OrderedDict[str, torch.Tensor]':
    """Rename every entry of ``state_dict`` by the first of ``rules`` that matches (a rule's name ``(name, i)``
    is part i of a fused q, k, v; ``None``: a head with no mmjepa counterpart, appended to ``left_out``)."""
    if not isinstance(state_dict, Mapping) or not state_dict:
        raise ValueError(f'Expected a non-empty {what} state dict, got {type(state_dict).__name__}')
    out, fused, unknown = OrderedDict(), {}, []
    for key, value in _strip_ddp(state_dict).items():
        match, rename = next(((m, r) for m, r in ((p.match(key), r) for p, r in rules) if m), (None, None))
        if match is None:
            unknown.append(key)
            continue
        new_key = rename(match)
        if new_key is None:
            if left_out is not None:
                left_out.append(key)
            continue
        if not isinstance(value, torch.Tensor):
            raise ValueError(f'{what} entry {key!r} is a {type(value).__name__}, not a tensor')
        new_key, part = new_key if isinstance(new_key, tuple) else (new_key, None)
        clash = (part is None or part in fused[new_key]) if new_key in fused else new_key in out
        if clash:
            raise ValueError(f'Two {what} keys map to {new_key!r} (e.g. both norm. and fc_norm., or the names '
                             f'of two formats); the second is {key!r}')
        if part is None:
            out[new_key] = value
        else:
            fused.setdefault(new_key, {})[part] = value
            out[new_key] = None  # its place in the order; the fused tensor below
    if unknown:
        raise ValueError(f'Unknown {what} keys, not an I-JEPA {what} (no key is dropped silently): '
                         + ', '.join(unknown))
    for new_key, parts in fused.items():
        if len(parts) < len(_QKV):
            raise ValueError(f'Incomplete I-JEPA {what}: {new_key!r} fuses the query, key and value projections, '
                             f'found only the {[_QKV[i] for i in sorted(parts)]}')
        out[new_key] = torch.cat([parts[i] for i in range(len(_QKV))])
    missing = [k for k in required if k not in out]
    if missing:
        raise ValueError(f'Incomplete I-JEPA {what}: nothing maps to the mmjepa keys {missing}')
    _check_layers(out, what)
    return out


def _check_layers(state_dict: Mapping, what: str) -> None:
    """Every block ``layers.0`` ... ``layers.{n-1}`` has the tensors of block 0: a partial file is an error."""
    blocks = {}
    for key in state_dict:
        match = re.match(r'^layers\.(\d+)\.(.+)$', key)
        if match:
            blocks.setdefault(int(match[1]), set()).add(match[2])
    expected = blocks.get(0, set())
    problems = [f'layer {i} has no tensors' for i in range(max(blocks, default=-1) + 1) if i not in blocks]
    problems += [f'layer {i} lacks {sorted(expected - names)}' + (f' and has {sorted(names - expected)}'
                                                                  if names - expected else '')
                 for i, names in sorted(blocks.items()) if names != expected]
    if problems:
        raise ValueError(f'Incomplete I-JEPA {what} ({len(blocks)} layers, of which layer 0 has '
                         f'{sorted(expected)}): ' + '; '.join(problems))


def convert_ijepa_encoder(state_dict: Mapping,
                          left_out: Optional[List[str]] = None) -> 'OrderedDict[str, torch.Tensor]':
    """I-JEPA encoder state dict -> :class:`JEPAViT` names.

    Takes the official names (``module.`` prefixed or not), timm's, and those of a ``transformers``
    ``IJepaModel`` in the 4.x layout of the Hub files or the 5.x one (optionally under ``ijepa.``, as in
    ``IJepaForImageClassification``). A ``transformers`` pooler, classifier or mask token has no place in
    :class:`JEPAViT`: their keys are appended to ``left_out`` (if given) instead of being converted.
    """
    return _convert(state_dict, _ENCODER_RULES, _ENCODER_REQUIRED, 'encoder', left_out)


def convert_ijepa_predictor(state_dict: Mapping) -> 'OrderedDict[str, torch.Tensor]':
    """Official I-JEPA predictor state dict -> :class:`JEPAPredictor` names."""
    return _convert(state_dict, _PREDICTOR_RULES, _PREDICTOR_REQUIRED, 'predictor')


def _split_source(ckpt) -> Tuple[str, Dict[str, Optional[Mapping]]]:
    """Find the model state dicts of ``ckpt``: ('official', {part: sd}), or ('timm' | 'transformers',
    {'single': sd}) for a file with a single encoder."""
    expected = ("an official I-JEPA checkpoint (top-level keys 'encoder', 'target_encoder', 'predictor', "
                "'epoch'...), a timm-style encoder state dict (keys 'patch_embed.proj.weight', 'blocks.0...', "
                "possibly under 'model' or 'state_dict') or a Hugging Face transformers IJepaModel "
                "(model.safetensors or pytorch_model.bin: keys 'embeddings.patch_embeddings...', "
                "'encoder.layer.0...' or 'layers.0...')")
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
    if is_transformers_layout(keys):
        return 'transformers', {'single': ckpt}
    if not any(k.startswith(('patch_embed.', 'blocks.')) for k in keys):
        raise ValueError(f'Expected {expected}; found the keys {keys[:10]}{"..." if len(keys) > 10 else ""}')
    return 'timm', {'single': ckpt}


def describe_encoder(state_dict: Mapping) -> Optional[str]:
    """The :class:`JEPAViT` arch of converted encoder tensors (``num_heads`` is not in the weights), or None
    when their shapes are not those of a ViT."""
    pos, proj = state_dict.get('pos_embed'), state_dict.get('patch_embed.projection.weight')
    fc1 = state_dict.get('layers.0.ffn.layers.0.0.weight')
    if pos is None or proj is None or fc1 is None or (pos.ndim, proj.ndim, fc1.ndim) != (3, 4, 2):
        return None
    grid, patch = math.isqrt(pos.shape[1]), proj.shape[-1]
    size = f'img_size={grid * patch} ({grid}x{grid} position embeddings)' if grid * grid == pos.shape[1] \
        else f'{pos.shape[1]} position embeddings (not a square grid)'
    layers = len({k.split('.')[1] for k in state_dict if k.startswith('layers.')})
    return (f'arch=dict(embed_dims={pos.shape[-1]}, num_layers={layers}, feedforward_channels={fc1.shape[0]}, '
            f'num_heads=?), patch_size={patch}, {size}')


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
        ckpt (dict): The loaded source: an official checkpoint, a timm-style encoder state dict (bare or
            under ``'model'`` / ``'state_dict'``), or the state dict of a Hugging Face ``transformers``
            ``IJepaModel`` (4.x or 5.x names; its pooler/classifier, if any, are left out and listed in
            ``meta['left_out']``).
        backbone_only (bool): Return only ``backbone.*`` (for ``init_cfg=dict(type='Pretrained',
            prefix='backbone.')`` downstream). Otherwise return the full pretraining model: ``backbone.``
            (context encoder), ``target_generator.encoder.`` (target encoder) and ``predictor.``.
        encoder (str): Encoder of a backbone-only checkpoint: ``'target'`` (EMA, what I-JEPA evaluates)
            or ``'context'``. A timm-style or transformers source has a single encoder, used in every role.
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
    left_out = []
    single = convert_ijepa_encoder(parts['single'], left_out) if 'single' in parts else None

    def get_encoder(role):
        if single is not None:
            return single
        if not isinstance(parts[names[role]], Mapping):
            raise ValueError(f"The I-JEPA checkpoint has no '{names[role]}' state dict (the {role} encoder); "
                             f'top-level keys: {list(ckpt)}')
        return convert_ijepa_encoder(parts[names[role]])

    meta = dict(source_format=source, converter='mmjepa.converters.convert_ijepa_checkpoint',
                backbone_only=backbone_only,
                epoch=int(ckpt['epoch']) if source == 'official' and ckpt.get('epoch') is not None else None,
                left_out=left_out)
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
