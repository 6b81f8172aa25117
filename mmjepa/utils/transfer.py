# Copyright (c) mmjepa contributors. All rights reserved.
"""Strict transfer of pretrained encoder weights into a downstream backbone.

mmengine's ``Pretrained`` init loads with ``strict=False`` and only *logs* missing keys, so a wrong
``prefix`` (or a converted file with other names) silently leaves a randomly initialised backbone. Here a
transfer either loads every backbone tensor from the checkpoint and uses every checkpoint tensor under the
prefix, or raises :class:`TransferError` listing what is missing and what is left over. Files are read with
``torch.load(weights_only=True)``: checkpoints are data, not code.
"""
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional

import torch
from torch import nn

from .checkpoint import safe_torch_load

# The encoders of an mmjepa pretraining checkpoint, by name.
ENCODER_PREFIXES = {'target': 'target_generator.encoder.', 'context': 'backbone.'}


class TransferError(KeyError):
    """A pretrained checkpoint does not match the backbone it is transferred into."""

    def __str__(self):  # KeyError quotes its message; keep the list readable
        return str(self.args[0]) if self.args else ''


def load_checkpoint_file(filename: str, map_location: str = 'cpu') -> Mapping:
    """Load a checkpoint as data (:func:`safe_torch_load`); URLs go through mmengine's loader, which uses
    torch's ``weights_only=True`` default on torch >= 2.6."""
    if filename.startswith(('http://', 'https://', 's3://', 'open-mmlab://', 'torchvision://')):
        from mmengine.runner import CheckpointLoader
        return CheckpointLoader.load_checkpoint(filename, map_location=map_location)
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Pretrained checkpoint not found: {filename!r} (set the backbone '
                                "init_cfg.checkpoint, e.g. --cfg-options model.backbone.init_cfg.checkpoint=PATH)")
    return safe_torch_load(filename, map_location,
                           expected='an mmjepa checkpoint or a backbone state dict (init_cfg.checkpoint)')


def unwrap_state_dict(ckpt: Mapping) -> Mapping:
    """The tensors of a checkpoint: its ``state_dict`` (mmengine) or ``model`` (timm/MAE), else itself."""
    if not isinstance(ckpt, Mapping):
        raise TypeError(f'Expected a checkpoint dict, got a {type(ckpt).__name__}')
    for key in ('state_dict', 'model'):
        if isinstance(ckpt.get(key), Mapping):
            return ckpt[key]
    return ckpt


def _prefixes(keys, depth: int = 2) -> List[str]:
    seen = OrderedDict()
    for key in keys:
        seen['.'.join(key.split('.')[:depth]) + '.'] = None
    return list(seen)


def select_prefix(state_dict: Mapping, prefix: Optional[str]) -> Dict[str, torch.Tensor]:
    """The entries under ``prefix``, with the prefix stripped. Raises if there are none."""
    if not prefix:
        return dict(state_dict)
    if not prefix.endswith('.'):
        prefix += '.'
    out = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    if not out:
        raise TransferError(f'No checkpoint key starts with prefix {prefix!r}; the checkpoint has the prefixes '
                            f'{_prefixes(state_dict)[:12]}. For an mmjepa pretraining checkpoint use '
                            f"'target_generator.encoder.' (target encoder) or 'backbone.' (context encoder)")
    return out


def check_keys(module: nn.Module, state_dict: Mapping, source: str = 'checkpoint') -> None:
    """Raise :class:`TransferError` unless ``state_dict`` has exactly the keys of ``module``."""
    expected = set(module.state_dict().keys())
    given = set(state_dict.keys())
    missing, unexpected = sorted(expected - given), sorted(given - expected)
    if missing or unexpected:
        lines = [f'Transfer of {source} into {type(module).__name__} does not match:']
        if given and not expected & given:
            lines.append(f'  none of the {len(given)} checkpoint keys is a backbone key: the checkpoint is of '
                         f'another model (its key prefixes: {_prefixes(sorted(given), 1)[:8]})')
        if missing:
            lines.append(f'  {len(missing)} backbone key(s) missing from the checkpoint: {missing}')
        if unexpected:
            lines.append(f'  {len(unexpected)} checkpoint key(s) left over (not in the backbone): {unexpected}')
        lines.append('  Check init_cfg.prefix and the backbone arch (patch size, depth, out_type: '
                     "'avg_featmap' adds a new LayerNorm 'ln2'; use out_type='featmap' with a pooling neck).")
        raise TransferError('\n'.join(lines))


# Keys only a Hugging Face transformers I-JEPA has (4.x: embeddings., encoder.layer.N.; 5.x: layers.N.), also inside
# IJepaForImageClassification (ijepa.): the other formats name no module embeddings, encoder or layers.
TRANSFORMERS_IJEPA_KEY = re.compile(
    r'^(?:ijepa\.)?(?:embeddings\.|encoder\.layer\.\d+\.|layers\.\d+\.(?:attention|layernorm_|mlp)\.?)')


def is_transformers_layout(keys) -> bool:
    """Whether state-dict ``keys`` are those of a Hugging Face ``transformers`` I-JEPA (4.x or 5.x names)."""
    return any(TRANSFORMERS_IJEPA_KEY.match(k) for k in keys)


def foreign_format(ckpt) -> Optional[str]:
    """Name the official format of ``ckpt`` (that the converters take), or None."""
    if not isinstance(ckpt, Mapping):
        return None
    if any(isinstance(ckpt.get(k), Mapping) for k in ('encoder', 'target_encoder')):
        return "an official I-JEPA/DMT-JEPA checkpoint (top-level 'encoder', 'target_encoder', 'predictor')"
    keys = {k[len('module.'):] if k.startswith('module.') else k for k in unwrap_state_dict(ckpt)}
    if 'patch_embed.proj.weight' in keys and any(k.startswith('blocks.') for k in keys):
        return "a timm-style encoder state dict ('patch_embed.proj.weight', 'blocks.*')"
    if is_transformers_layout(keys):
        return "a Hugging Face transformers IJepaModel ('embeddings.*', 'encoder.layer.*' or 'layers.*')"
    return None


def load_pretrained_strict(module: nn.Module, checkpoint: str, prefix: Optional[str] = None,
                           map_location: str = 'cpu') -> Dict[str, torch.Tensor]:
    """Load ``checkpoint`` (entries under ``prefix``) into ``module``, all keys matched both ways.

    ``module``'s load-state-dict pre-hooks (e.g. the ViT ``pos_embed`` resize) still apply. Returns the
    state dict that was loaded.
    """
    ckpt = load_checkpoint_file(checkpoint, map_location)
    foreign = foreign_format(ckpt)
    if foreign:
        raise TransferError(f'{checkpoint!r} is {foreign}, not an mmjepa checkpoint: convert it first with '
                            f'python tools/model_converters/ijepa_to_mmjepa.py {checkpoint} OUT.pth (or '
                            'dmtjepa_to_mmjepa.py for DMT-JEPA) and set init_cfg.checkpoint to OUT.pth')
    state_dict = select_prefix(unwrap_state_dict(ckpt), prefix)
    check_keys(module, state_dict, f'{checkpoint!r} (prefix {prefix!r})')
    module.load_state_dict(state_dict, strict=True)
    return state_dict
