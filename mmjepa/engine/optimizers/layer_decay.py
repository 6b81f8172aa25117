# Copyright (c) mmjepa contributors. All rights reserved.
"""Layer-wise learning-rate decay for plain ViT backbones, in every OpenMMLab scope.

mmpretrain's constructor needs ``model.get_layer_depth`` (only its classifiers have it), mmseg's accepts only
backbones whose class name contains ConvNeXt/BEiT/MAE, and mmdet's only ConvNeXt. This one keys on the
parameter names of mmpretrain's ``VisionTransformer`` (and :class:`JEPAViT`), and is registered in
mmengine's root ``OPTIM_WRAPPER_CONSTRUCTORS``, which the mmpretrain, mmseg and mmdet registries all search.
"""
import re
from typing import Dict, List, Tuple

from mmengine.logging import print_log
from mmengine.optim import DefaultOptimWrapperConstructor
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn

_EMBED = ('patch_embed', 'pos_embed', 'cls_token', 'mask_token', 'pre_norm', 'register_tokens')
_LAYER = re.compile(r'^layers\.(\d+)\.')


def vit_layer_id(name: str, num_layers: int, backbone_prefix: str = 'backbone.') -> int:
    """Depth of a parameter: 0 for the embeddings, ``i + 1`` for ``layers.i``, ``num_layers + 1`` for the
    rest of the backbone (final norm) and for everything outside it (neck, heads)."""
    if not name.startswith(backbone_prefix):
        return num_layers + 1
    rel = name[len(backbone_prefix):]
    if rel.startswith(_EMBED):
        return 0
    match = _LAYER.match(rel)
    if match:
        return int(match[1]) + 1
    return num_layers + 1


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Layer-wise lr decay (BEiT/MAE): the lr of a parameter at depth ``d`` is
    ``lr * layer_decay_rate ** (num_layers + 1 - d)`` (see :func:`vit_layer_id`), so the head and final norm
    train at the base lr and the patch embedding at ``rate ** (num_layers + 1)`` of it.

    ``paramwise_cfg`` keys:
        layer_decay_rate (float): Decay per layer, e.g. 0.65 (classification, ADE20K) or 0.7 (COCO).
        num_layers (int, optional): Depth of the backbone; by default ``len(model.<backbone>.layers)``.
        backbone (str): Attribute of the backbone in the model. Defaults to ``'backbone'``.
        flat_decay_mult (float): Weight-decay multiplier of 1-D parameters (norms, biases) and of the
            ``no_decay_keys``. Defaults to 0.
        no_decay_keys (tuple[str]): Name substrings without weight decay. Defaults to
            ``('pos_embed', 'cls_token', 'mask_token')``.
        custom_keys (dict): ``{substring: dict(lr_mult=..., decay_mult=...)}``, applied on top (first match
            in sorted order wins).

    Frozen parameters (``requires_grad=False``) are left out. One param group is made per
    (depth, weight decay, custom key); each records ``layer_id`` and ``lr_scale``.
    """

    def add_params(self, params: List[dict], module: nn.Module, prefix: str = '', **kwargs) -> None:
        cfg = dict(self.paramwise_cfg)
        if 'layer_decay_rate' not in cfg:
            raise ValueError('LayerDecayOptimWrapperConstructor needs optim_wrapper.paramwise_cfg.layer_decay_rate')
        rate = float(cfg['layer_decay_rate'])
        backbone_name = cfg.get('backbone', 'backbone')
        num_layers = cfg.get('num_layers')
        if num_layers is None:
            backbone = getattr(module, backbone_name, None)
            if backbone is None or not hasattr(backbone, 'layers'):
                raise ValueError(f'Cannot infer num_layers: the model has no {backbone_name}.layers; set '
                                 'optim_wrapper.paramwise_cfg.num_layers')
            num_layers = len(backbone.layers)
        flat_decay_mult = float(cfg.get('flat_decay_mult', 0.))
        no_decay_keys = tuple(cfg.get('no_decay_keys', ('pos_embed', 'cls_token', 'mask_token')))
        custom_keys: Dict[str, dict] = cfg.get('custom_keys', {}) or {}
        sorted_keys = sorted(custom_keys, key=lambda k: (-len(k), k))
        base_wd = self.base_wd or 0.
        groups: Dict[Tuple, dict] = {}
        for name, param in module.named_parameters(prefix=prefix.rstrip('.')):
            if not param.requires_grad:
                continue
            layer_id = vit_layer_id(name, num_layers, backbone_name + '.')
            flat = param.ndim <= 1 or any(k in name for k in no_decay_keys)
            key = next((k for k in sorted_keys if k in name), None)
            lr_mult = float(custom_keys[key].get('lr_mult', 1.)) if key else 1.
            decay_mult = float(custom_keys[key].get('decay_mult', flat_decay_mult if flat else 1.)) if key \
                else (flat_decay_mult if flat else 1.)
            scale = rate**(num_layers + 1 - layer_id)
            group_key = (layer_id, decay_mult, key, lr_mult)
            if group_key not in groups:
                groups[group_key] = dict(
                    params=[], param_names=[], lr=self.base_lr * scale * lr_mult, weight_decay=base_wd * decay_mult,
                    layer_id=layer_id, lr_scale=scale * lr_mult)
            groups[group_key]['params'].append(param)
            groups[group_key]['param_names'].append(name)
        ordered = [groups[k] for k in sorted(groups, key=lambda k: (k[0], k[1], str(k[2]), k[3]))]
        print_log(f'Layer-wise lr decay {rate} over {num_layers} layers: {len(ordered)} param groups, '
                  f'{sum(len(g["params"]) for g in ordered)} trainable tensors', logger='current')
        params.extend(ordered)
