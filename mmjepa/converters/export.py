# Copyright (c) mmjepa contributors. All rights reserved.
"""Export the encoder of an mmjepa checkpoint as a backbone state dict for mmpretrain, mmseg, mmdet or timm.

Pure dictionary work on a loaded checkpoint: an mmjepa pretraining checkpoint (``state_dict`` with
``backbone.*`` = context encoder, ``target_generator.encoder.*`` = EMA target encoder, ``predictor.*``, heads,
``step``) or a backbone-only one (``backbone.*``, e.g. from ``ijepa_to_mmjepa.py --backbone-only``). Every
source tensor is exported or dropped for a listed reason; any other key is an error.

Formats (``meta['arch']`` of the result gives the sizes; ``num_heads`` is not stored in weights: use the
pretraining one):

* ``mmpretrain``: ``backbone.*`` with :class:`JEPAViT` names plus ``backbone.ln2`` at its default init (weight 1,
  bias 0), for ``VisionTransformer(with_cls_token=False, out_type='avg_featmap', final_norm=True)`` (or
  ``JEPAViT(out_type='avg_featmap')``); the pooled feature is then ``LN(mean(ln1(tokens)))``.
* ``mmdet``: ``backbone.*`` with :class:`JEPAViT` names only, for ``mmpretrain.JEPAViT`` (``out_type='featmap'``)
  as in mmjepa's Mask R-CNN configs, with ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``.
* ``mmseg``: bare names of ``mmseg.models.backbones.VisionTransformer`` (its ``init_cfg`` loads
  ``checkpoint['state_dict']`` without a prefix): attention ``attn.attn.in_proj_*`` / ``attn.attn.out_proj``, a
  zero ``cls_token`` and a zero ``pos_embed`` row for it (JEPA has no class token). With ``with_cls_token=False``
  the class token is dropped before the blocks and the features equal JEPA's; with ``True`` the zero token takes
  part in attention, which JEPA never trained.
* ``timm``: names of timm's ``VisionTransformer`` with ``class_token=False, global_pool='avg', fc_norm=False``
  (timm's own I-JEPA models): final norm ``norm`` on the tokens, pooled feature ``mean(norm(tokens))``. There is
  no classifier: ``num_classes=0`` loads strictly (``timm.create_model(..., checkpoint_path=FILE)``).
"""
import re
from collections import OrderedDict
from typing import Dict, Mapping, Optional, Tuple

import torch

from ..utils.provenance import META_KEY
from ..utils.transfer import ENCODER_PREFIXES, foreign_format, unwrap_state_dict
from .ijepa import _BLOCK, _ENCODER_REQUIRED

FORMATS = ('mmpretrain', 'mmseg', 'mmdet', 'timm')
CONVERTER = 'mmjepa.converters.export_backbone'

# JEPAViT (mmpretrain) block names -> official/timm ones: the inverse of the I-JEPA import table.
_TIMM_BLOCK = {mm: timm for timm, mm in _BLOCK.items()}
# JEPAViT names outside the blocks -> timm (the import table also accepts timm's 'fc_norm' for 'norm').
_TIMM_STEM = {'patch_embed.projection': 'patch_embed.proj', 'pos_embed': 'pos_embed', 'ln1': 'norm'}
# JEPAViT block names that mmseg's layers (mmcv MultiheadAttention around nn.MultiheadAttention) call otherwise.
_MMSEG_BLOCK = {'attn.qkv': 'attn.attn.in_proj_{}', 'attn.proj': 'attn.attn.out_proj.{}'}

_PARAMS = ('weight', 'bias')
_LAYER_RE = re.compile(r'^layers\.(\d+)\.(' + '|'.join(re.escape(k) for k in _TIMM_BLOCK) + r')\.(weight|bias)$')
_STEM_KEYS = frozenset(m if m == 'pos_embed' else f'{m}.{p}' for m in _TIMM_STEM for p in _PARAMS)

# Parts of an mmjepa pretraining checkpoint that no downstream backbone uses (prefix or exact key -> reason).
PRETRAIN_ONLY = {
    'predictor.': 'JEPA predictor (pretraining only)',
    'agg_head.': 'DMT-JEPA aggregation head (pretraining only)',
    'target_generator.agg_head.': 'DMT-JEPA EMA aggregation head (pretraining only)',
    'conditioner.': 'EC-IJEPA conditioner (pretraining only)',
    'target_generator.conditioner.': 'EC-IJEPA EMA conditioner (pretraining only)',
    'step': 'mask-RNG / EMA step counter',
}
EXPECTED = ("an mmjepa checkpoint: {'state_dict': {...}} with 'target_generator.encoder.*' and 'backbone.*' "
            "(a pretraining run) or 'backbone.*' only (a backbone-only conversion)")


def _parse_key(key: str) -> Optional[Tuple[Optional[int], str, Optional[str]]]:
    """``(layer, module, param)`` of a JEPAViT key (layer None outside the blocks), or None if it is not one."""
    match = _LAYER_RE.match(key)
    if match:
        return int(match[1]), match[2], match[3]
    if key not in _STEM_KEYS:
        return None
    return (None, key, None) if key == 'pos_embed' else (None, *key.rsplit('.', 1))


def check_encoder(state_dict: Mapping) -> Dict[str, int]:
    """Check that ``state_dict`` is a complete :class:`JEPAViT` encoder (no class token); return its sizes."""
    unknown = [k for k in state_dict if _parse_key(k) is None]
    if unknown:
        raise ValueError(f'Keys that are not JEPAViT encoder keys (nothing is dropped silently): {unknown}')
    depth = 1 + max((_parse_key(k)[0] for k in state_dict if _parse_key(k)[0] is not None), default=-1)
    expected = {f'layers.{i}.{m}.{p}' for i in range(depth) for m in _TIMM_BLOCK for p in _PARAMS}
    missing = sorted(expected.union(_STEM_KEYS, _ENCODER_REQUIRED).difference(state_dict))
    if missing:
        raise ValueError(f'Incomplete JEPAViT encoder ({depth} layers): missing {missing}')
    for key, value in state_dict.items():
        if not isinstance(value, torch.Tensor):
            raise ValueError(f'Encoder entry {key!r} is a {type(value).__name__}, not a tensor')
    proj, pos = state_dict['patch_embed.projection.weight'], state_dict['pos_embed']
    dims = proj.shape[0]
    if pos.dim() != 3 or pos.shape[0] != 1 or pos.shape[2] != dims:
        raise ValueError(f'pos_embed has the shape {tuple(pos.shape)}; expected [1, num_patches, {dims}]')
    return dict(embed_dims=dims, num_layers=depth,
                feedforward_channels=state_dict['layers.0.ffn.layers.0.0.weight'].shape[0],
                patch_size=proj.shape[-1], in_channels=proj.shape[1], num_patches=pos.shape[1])


def select_encoder(ckpt: Mapping, encoder: Optional[str] = None) -> Tuple['OrderedDict[str, torch.Tensor]', str, dict]:
    """Pick one encoder out of a loaded mmjepa checkpoint.

    Args:
        ckpt (dict): A pretraining checkpoint or a backbone-only one (see the module docstring).
        encoder (str, optional): ``'target'`` (EMA, the default of a pretraining checkpoint) or ``'context'``.
            Must be None for a backbone-only checkpoint, which has a single encoder.

    Returns:
        tuple: The encoder with :class:`JEPAViT` names, the encoder's name, and ``{reason: number of tensors}``
        for the source tensors left out.
    """
    if encoder not in (None, 'target', 'context'):
        raise ValueError(f"encoder must be 'target', 'context' or None, got {encoder!r}")
    if not isinstance(ckpt, Mapping):
        raise ValueError(f'Expected {EXPECTED}; got a {type(ckpt).__name__}')
    meta = ckpt.get('meta') if isinstance(ckpt.get('meta'), Mapping) else {}
    if meta.get('converter') == CONVERTER:
        raise ValueError(f"This is already an exported {meta.get('format')} backbone; export from the mmjepa "
                         f"checkpoint it came from ({meta.get('source')})")
    foreign = foreign_format(ckpt)
    if foreign:
        raise ValueError(f'This is {foreign}, not an mmjepa checkpoint: convert it first with '
                         'tools/model_converters/ijepa_to_mmjepa.py (or dmtjepa_to_mmjepa.py)')
    state_dict = unwrap_state_dict(ckpt)
    keys = list(state_dict)
    if any(k.startswith(ENCODER_PREFIXES['target']) for k in keys):
        encoder = encoder or 'target'
        prefix = ENCODER_PREFIXES[encoder]
        other = 'context' if encoder == 'target' else 'target'
        dropped_reasons = {ENCODER_PREFIXES[other]: f'{other} encoder (not exported; select it with encoder={other!r})'}
        dropped_reasons.update(PRETRAIN_ONLY)
        name = encoder
    elif any(k.startswith(ENCODER_PREFIXES['context']) for k in keys):
        if encoder is not None:
            raise ValueError(f'encoder={encoder!r} needs a pretraining checkpoint (with target_generator.encoder.* '
                             'and backbone.*); this one is backbone-only: leave the encoder unset')
        prefix, dropped_reasons = ENCODER_PREFIXES['context'], PRETRAIN_ONLY
        name = meta.get('encoder') if isinstance(meta.get('encoder'), str) else 'backbone'
    else:
        shown = ', '.join(keys[:10]) + (', ...' if len(keys) > 10 else '')
        raise ValueError(f'Expected {EXPECTED}; found the keys [{shown}]')

    out, dropped, unknown = OrderedDict(), {}, []
    for key, value in state_dict.items():
        if key.startswith(prefix):
            out[key[len(prefix):]] = value
            continue
        reason = next((r for p, r in dropped_reasons.items() if key == p or (p.endswith('.') and key.startswith(p))),
                      None)
        if reason is None:
            unknown.append(key)
        else:
            dropped[reason] = dropped.get(reason, 0) + 1
    if not out:
        raise ValueError(f'The checkpoint has no {name} encoder ({prefix}*); its keys start with '
                         f'{sorted({k.split(".")[0] + "." for k in keys})}')
    if unknown:
        shown = ', '.join(unknown[:20]) + (f', ... ({len(unknown)} in all)' if len(unknown) > 20 else '')
        raise ValueError(f'Unknown keys in the mmjepa checkpoint, neither the {name} encoder ({prefix}*) nor a '
                         f'known pretraining-only part {list(dropped_reasons)}: {shown}')
    return out, name, dropped


def to_mmdet(encoder: Mapping) -> 'OrderedDict[str, torch.Tensor]':
    """``backbone.`` + :class:`JEPAViT` names (the layout of ``ijepa_to_mmjepa.py --backbone-only``)."""
    check_encoder(encoder)
    return OrderedDict(('backbone.' + k, v) for k, v in encoder.items())


def to_mmpretrain(encoder: Mapping) -> 'OrderedDict[str, torch.Tensor]':
    """:func:`to_mmdet` plus ``backbone.ln2`` (the pooled-feature LayerNorm of ``out_type='avg_featmap'``,
    which JEPA has not) at its default init."""
    out = to_mmdet(encoder)
    norm = encoder['ln1.weight']
    out['backbone.ln2.weight'], out['backbone.ln2.bias'] = torch.ones_like(norm), torch.zeros_like(norm)
    return out


def to_mmseg(encoder: Mapping) -> 'OrderedDict[str, torch.Tensor]':
    """Bare ``mmseg.models.backbones.VisionTransformer`` names, with a zero class token and position row."""
    arch = check_encoder(encoder)
    if arch['feedforward_channels'] % arch['embed_dims']:
        raise ValueError(f"mmseg's VisionTransformer builds feedforward_channels = mlp_ratio * embed_dims with an "
                         f"integer mlp_ratio; this encoder has {arch['feedforward_channels']} / {arch['embed_dims']}")
    out = OrderedDict()
    pos = encoder['pos_embed']
    out['cls_token'] = pos.new_zeros(1, 1, pos.shape[2])
    for key, value in encoder.items():
        layer, module, param = _parse_key(key)
        if module == 'pos_embed':
            value = torch.cat([pos.new_zeros(1, 1, pos.shape[2]), pos], dim=1)
        elif layer is not None:
            key = f'layers.{layer}.' + _MMSEG_BLOCK.get(module, module + '.{}').format(param)
        out[key] = value
    return out


def to_timm(encoder: Mapping) -> 'OrderedDict[str, torch.Tensor]':
    """timm ``VisionTransformer`` names (``class_token=False, global_pool='avg', fc_norm=False``)."""
    check_encoder(encoder)
    out = OrderedDict()
    for key, value in encoder.items():
        layer, module, param = _parse_key(key)
        name = f'blocks.{layer}.{_TIMM_BLOCK[module]}' if layer is not None else _TIMM_STEM[module]
        out[name if param is None else f'{name}.{param}'] = value
    return out


EXPORTERS = dict(mmpretrain=to_mmpretrain, mmseg=to_mmseg, mmdet=to_mmdet, timm=to_timm)


def export_backbone(ckpt: Mapping, fmt: str, encoder: Optional[str] = None, source: Optional[str] = None) -> dict:
    """Export one encoder of a loaded mmjepa checkpoint for another library.

    Args:
        ckpt (dict): An mmjepa pretraining checkpoint or a backbone-only one.
        fmt (str): One of :data:`FORMATS` (see the module docstring for the key conventions).
        encoder (str, optional): ``'target'`` (default) or ``'context'`` for a pretraining checkpoint; None for
            a backbone-only one.
        source (str, optional): Where ``ckpt`` came from, recorded in the meta.

    Returns:
        dict: ``{'state_dict': ..., 'meta': {'format', 'encoder', 'source', 'arch', 'dropped', 'converter',
        'provenance'}}``; ``provenance`` is the source's (:mod:`mmjepa.utils.provenance`), None if it has none.
    """
    if fmt not in EXPORTERS:
        raise ValueError(f'Unknown export format {fmt!r}; choose one of {FORMATS}')
    state_dict, name, dropped = select_encoder(ckpt, encoder)
    arch = check_encoder(state_dict)
    source_meta = ckpt.get('meta') if isinstance(ckpt.get('meta'), Mapping) else {}
    meta = dict(format=fmt, encoder=name, source=source, arch=arch, dropped=dropped, converter=CONVERTER)
    meta[META_KEY] = source_meta.get(META_KEY)
    return dict(state_dict=EXPORTERS[fmt](state_dict), meta=meta)
