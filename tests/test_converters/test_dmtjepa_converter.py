# Copyright (c) mmjepa contributors. All rights reserved.
"""The DMT-JEPA converter: I-JEPA-format encoders/predictor plus aggregation heads where present."""
import importlib.util
import os
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

import mmjepa  # noqa: F401
from mmjepa.converters import convert_dmtjepa_checkpoint, convert_dmtjepa_head, convert_ijepa_checkpoint

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(ROOT, 'tools', 'model_converters', 'dmtjepa_to_mmjepa.py')
_spec = importlib.util.spec_from_file_location('_ijepa_converter_test', os.path.join(HERE, 'test_ijepa_converter.py'))
ij = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ij)
D, HEADS = ij.D, ij.HEADS


def official_head(seed):
    g = torch.Generator().manual_seed(seed)
    rnd = lambda *shape, std: torch.randn(*shape, generator=g) * std  # noqa: E731
    sd = {}
    for i in range(2):
        for name, shape in (('norm1', None), ('attn.q', (D, D)), ('attn.k', (D, D)), ('attn.v', (D, D)),
                            ('attn.proj', (D, D)), ('norm2', None), ('mlp.fc1', (4 * D, D)), ('mlp.fc2', (D, 4 * D))):
            p = f'cls_blocks.{i}.{name}'
            if shape is None:
                sd[p + '.weight'], sd[p + '.bias'] = 1 + rnd(D, std=0.1), rnd(D, std=0.1)
            else:
                sd[p + '.weight'], sd[p + '.bias'] = rnd(*shape, std=shape[1]**-0.5), rnd(shape[0], std=0.1)
    sd['norm.weight'], sd['norm.bias'] = 1 + rnd(D, std=0.1), rnd(D, std=0.1)
    return {'module.' + k: v for k, v in sd.items()}


def ref_head_local(sd, x, nbrs):
    """The official local mode on official key names (fixed query order), in plain torch."""
    sd = {k.replace('module.', '', 1): v for k, v in sd.items()}
    ln = lambda t, p: F.layer_norm(t, (D, ), sd[p + '.weight'], sd[p + '.bias'], eps=1e-6)  # noqa
    lin = lambda t, p: t @ sd[p + '.weight'].T + sd[p + '.bias']  # noqa
    B, N, _ = x.shape
    q = x.mean(1, keepdim=True).repeat_interleave(N, 0)
    kv = nbrs.reshape(B * N, -1, D)
    split = lambda t: t.reshape(t.shape[0], t.shape[1], HEADS, D // HEADS).transpose(1, 2)  # noqa
    for i in range(2):
        p = f'cls_blocks.{i}.'
        u = ln(torch.cat([q, kv], 1), p + 'norm1')
        a = torch.softmax(split(lin(u[:, :1], p + 'attn.q')) @ split(lin(u, p + 'attn.k')).transpose(-2, -1)
                          * (D // HEADS)**-0.5, -1)
        q = q + lin((a @ split(lin(u, p + 'attn.v'))).transpose(1, 2).reshape(B * N, 1, D), p + 'attn.proj')
        q = q + lin(F.gelu(lin(ln(q, p + 'norm2'), p + 'mlp.fc1')), p + 'mlp.fc2')
    return ln(q, 'norm').reshape(B, N, D)


def official(with_heads=(True, True)):
    ckpt = dict(encoder=ij.official_encoder(0), predictor=ij.official_predictor(1),
                target_encoder=ij.official_encoder(2),
                opt={'state': {}, 'param_groups': []}, scaler=None, epoch=600, loss=0.2, batch_size=256, world_size=8,
                lr=1e-3)
    if with_heads[0]:
        ckpt['LocalAggHead'] = official_head(3)
    if with_heads[1]:
        ckpt['target_LocalAggHead'] = official_head(4)
    return ckpt


def dmtjepa():
    return MODELS.build(dict(
        type='DMTJEPA',
        backbone=dict(type='JEPAViT', arch=dict(embed_dims=D, num_layers=ij.DEPTH, num_heads=HEADS,
                                                feedforward_channels=4 * D), img_size=ij.IMG, patch_size=ij.PATCH),
        predictor=dict(type='JEPAPredictor', predictor_dims=ij.P, depth=ij.PDEPTH),
        mask_sampler=dict(type='MultiBlockMaskSampler', min_keep=1)))


@torch.no_grad()
def test_heads_convert_and_match_the_official_equations():
    src = official()
    out = convert_dmtjepa_checkpoint(src)
    model = dmtjepa()
    model.load_state_dict(out['state_dict'], strict=True)
    assert out['meta']['heads'] == "online from 'LocalAggHead', target from 'target_LocalAggHead'"
    x, nbrs = torch.randn(2, 5, D), torch.randn(2, 5, 4, D)
    assert (model.agg_head(x, nbrs) - ref_head_local(src['LocalAggHead'], x, nbrs)).abs().max() <= 1e-5
    assert (model.target_generator.agg_head(x, nbrs)
            - ref_head_local(src['target_LocalAggHead'], x, nbrs)).abs().max() <= 1e-5
    # The encoders and predictor are I-JEPA's conversion, unchanged.
    ijepa = convert_ijepa_checkpoint({k: v for k, v in src.items() if 'LocalAggHead' not in k})['state_dict']
    assert all(torch.equal(out['state_dict'][k], v) for k, v in ijepa.items())


def test_official_files_without_heads_and_single_heads():
    out = convert_dmtjepa_checkpoint(official((False, False)))
    assert out['meta']['heads'] == 'none in the source'
    assert not any('agg_head' in k for k in out['state_dict'])
    result = dmtjepa().load_state_dict(out['state_dict'], strict=False)
    assert result.unexpected_keys == [] and all('agg_head.' in k for k in result.missing_keys)
    out = convert_dmtjepa_checkpoint(official((True, False)))
    sd = out['state_dict']
    assert torch.equal(sd['agg_head.layers.1.ffn.fc2.weight'], sd['target_generator.agg_head.layers.1.ffn.fc2.weight'])
    assert 'target copied from' in out['meta']['heads']
    backbone = convert_dmtjepa_checkpoint(official(), backbone_only=True)['state_dict']
    assert all(k.startswith('backbone.') for k in backbone)


def test_errors():
    with pytest.raises(ValueError, match='cls_blocks.0.gamma'):
        convert_dmtjepa_head({**official_head(0), 'module.cls_blocks.0.gamma': torch.ones(D)})
    with pytest.raises(ValueError, match='Incomplete'):
        convert_dmtjepa_head({'norm.weight': torch.ones(D)})
    with pytest.raises(ValueError, match='several heads'):
        convert_dmtjepa_checkpoint({**official(), 'agg_head': official_head(5)})
    with pytest.raises(ValueError, match='Unknown top-level keys'):
        convert_dmtjepa_checkpoint({**official(), 'patch_head': {}})


def test_cli(tmp_path):
    src, dst = tmp_path / 'dmtjepa-ep600.pth.tar', tmp_path / 'out.pth'
    torch.save(official((False, False)), src)
    proc = subprocess.run([sys.executable, SCRIPT, str(src), str(dst)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert 'heads: none in the source' in proc.stdout and 'keep their initialisation' in proc.stdout
    out = torch.load(dst, weights_only=True)
    assert out['meta']['converter'] == 'mmjepa.converters.convert_dmtjepa_checkpoint'
    assert out['meta']['provenance'] == dict(algorithm='DMT-JEPA', arch=f'ViT-D{D}xL{ij.DEPTH}/{ij.PATCH}',
                                             epochs=600, max_epochs=None, data=None, config=None)
