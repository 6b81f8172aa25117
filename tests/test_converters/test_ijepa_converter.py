# Copyright (c) mmjepa contributors. All rights reserved.
"""The I-JEPA converter against an independent plain-torch forward of the official architecture."""
import importlib.util
import os
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from mmjepa.models.mask_samplers import Masks
from mmjepa.models.utils.layout import TokenLayout
from mmjepa.converters import convert_ijepa_checkpoint, convert_ijepa_encoder, convert_ijepa_predictor
from mmjepa.models.backbones.jepa_vit import JEPAViT
from mmjepa.models.predictors.jepa_predictor import JEPAPredictor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, 'tools', 'model_converters', 'ijepa_to_mmjepa.py')
D, DEPTH, HEADS, P, PDEPTH, PATCH, IMG = 64, 2, 4, 48, 2, 16, 64
N = (IMG // PATCH)**2


# ---------------------------------------------------------------------------------- official checkpoint
def _block(rnd, prefix, dim):
    sd = {}
    for name, shape in (('norm1', None), ('attn.qkv', (3 * dim, dim)), ('attn.proj', (dim, dim)),
                        ('norm2', None), ('mlp.fc1', (4 * dim, dim)), ('mlp.fc2', (dim, 4 * dim))):
        if shape is None:  # LayerNorm
            sd[f'{prefix}.{name}.weight'] = 1 + rnd(dim, std=0.1)
            sd[f'{prefix}.{name}.bias'] = rnd(dim, std=0.1)
        else:
            sd[f'{prefix}.{name}.weight'] = rnd(*shape, std=shape[1]**-0.5)
            sd[f'{prefix}.{name}.bias'] = rnd(shape[0], std=0.1)
    return sd


def official_encoder(seed):
    g = torch.Generator().manual_seed(seed)
    rnd = lambda *shape, std: torch.randn(*shape, generator=g) * std  # noqa: E731
    sd = {'patch_embed.proj.weight': rnd(D, 3, PATCH, PATCH, std=(3 * PATCH * PATCH)**-0.5),
          'patch_embed.proj.bias': rnd(D, std=0.1), 'pos_embed': rnd(1, N, D, std=1.)}
    for i in range(DEPTH):
        sd.update(_block(rnd, f'blocks.{i}', D))
    sd.update({'norm.weight': 1 + rnd(D, std=0.1), 'norm.bias': rnd(D, std=0.1)})
    return {'module.' + k: v for k, v in sd.items()}


def official_predictor(seed):
    g = torch.Generator().manual_seed(seed)
    rnd = lambda *shape, std: torch.randn(*shape, generator=g) * std  # noqa: E731
    sd = {'mask_token': rnd(1, 1, P, std=0.5), 'predictor_embed.weight': rnd(P, D, std=D**-0.5),
          'predictor_embed.bias': rnd(P, std=0.1), 'predictor_pos_embed': rnd(1, N, P, std=1.)}
    for i in range(PDEPTH):
        sd.update(_block(rnd, f'predictor_blocks.{i}', P))
    sd.update({'predictor_norm.weight': 1 + rnd(P, std=0.1), 'predictor_norm.bias': rnd(P, std=0.1),
               'predictor_proj.weight': rnd(D, P, std=P**-0.5), 'predictor_proj.bias': rnd(D, std=0.1)})
    return {'module.' + k: v for k, v in sd.items()}


@pytest.fixture(scope='module')
def official():
    return dict(encoder=official_encoder(0), predictor=official_predictor(1), target_encoder=official_encoder(2),
                opt={'state': {}, 'param_groups': [{'lr': 1e-3, 'params': [0]}]}, scaler=None, epoch=300,
                loss=0.25, batch_size=2048, world_size=16, lr=1e-3)


# --------------------------------------------------------------------------- reference forward (plain torch)
def _strip(sd):
    return {k.replace('module.', '', 1): v for k, v in sd.items()}


def ref_block(x, sd, p):
    B, L, C = x.shape
    h = F.layer_norm(x, (C,), sd[p + 'norm1.weight'], sd[p + 'norm1.bias'], eps=1e-6)
    q, k, v = (h @ sd[p + 'attn.qkv.weight'].T + sd[p + 'attn.qkv.bias']).reshape(
        B, L, 3, HEADS, C // HEADS).permute(2, 0, 3, 1, 4)
    attn = torch.softmax(q @ k.transpose(-2, -1) * (C // HEADS)**-0.5, dim=-1)
    o = (attn @ v).transpose(1, 2).reshape(B, L, C)
    x = x + o @ sd[p + 'attn.proj.weight'].T + sd[p + 'attn.proj.bias']
    h = F.layer_norm(x, (C,), sd[p + 'norm2.weight'], sd[p + 'norm2.bias'], eps=1e-6)
    h = F.gelu(h @ sd[p + 'mlp.fc1.weight'].T + sd[p + 'mlp.fc1.bias'])
    return x + h @ sd[p + 'mlp.fc2.weight'].T + sd[p + 'mlp.fc2.bias']


def ref_encoder(sd, img, keep=None):
    sd = _strip(sd)
    x = F.conv2d(img, sd['patch_embed.proj.weight'], sd['patch_embed.proj.bias'], stride=PATCH)
    x = x.flatten(2).transpose(1, 2) + sd['pos_embed']
    if keep is not None:
        x = torch.stack([x[b, keep[b]] for b in range(x.shape[0])])
    for i in range(DEPTH):
        x = ref_block(x, sd, f'blocks.{i}.')
    return F.layer_norm(x, (D,), sd['norm.weight'], sd['norm.bias'], eps=1e-6)


def ref_predictor(sd, context, context_idx, target_idx):
    sd = _strip(sd)
    pos = sd['predictor_pos_embed'][0]
    num_target = target_idx.shape[-1]
    x = context @ sd['predictor_embed.weight'].T + sd['predictor_embed.bias'] + pos[context_idx]
    x = torch.cat([x] * target_idx.shape[0])  # block-major: block 0 of every image, then block 1...
    queries = sd['mask_token'] + pos[target_idx.flatten(0, 1)]
    x = torch.cat([x, queries], dim=1)
    for i in range(PDEPTH):
        x = ref_block(x, sd, f'predictor_blocks.{i}.')
    x = F.layer_norm(x, (P,), sd['predictor_norm.weight'], sd['predictor_norm.bias'], eps=1e-6)
    return x[:, -num_target:] @ sd['predictor_proj.weight'].T + sd['predictor_proj.bias']


# ------------------------------------------------------------------------------------------------- helpers
def build_encoder(state_dict, prefix='backbone.'):
    model = JEPAViT(arch=dict(embed_dims=D, num_layers=DEPTH, num_heads=HEADS, feedforward_channels=4 * D),
                    img_size=IMG, patch_size=PATCH)
    model.load_state_dict({k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}, strict=True)
    model.eval()  # mmpretrain's ViT.train() returns None
    return model


def build_predictor(state_dict):
    model = JEPAPredictor(embed_dims=D, num_heads=HEADS, layout=TokenLayout((IMG // PATCH, ) * 2),
                          predictor_dims=P, depth=PDEPTH)
    model.load_state_dict({k[len('predictor.'):]: v for k, v in state_dict.items() if k.startswith('predictor.')},
                          strict=True)
    return model.eval()


def same(a, b):
    return set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope='module')
def inputs():
    g = torch.Generator().manual_seed(3)
    img = torch.randn(2, 3, IMG, IMG, generator=g)
    keep = torch.stack([torch.randperm(N, generator=g)[:7] for _ in range(2)])
    target_idx = torch.stack([torch.stack([torch.randperm(N, generator=g)[:5] for _ in range(2)])
                              for _ in range(3)])  # [T=3, B=2, Kt=5]
    return img, keep, target_idx


# ---------------------------------------------------------------------------------------------------- tests
@torch.no_grad()
def test_encoders_match_reference(official, inputs):
    img, keep, _ = inputs
    sd = convert_ijepa_checkpoint(official)['state_dict']
    context, target = build_encoder(sd), build_encoder(sd, 'target_generator.encoder.')
    for model, src in ((context, official['encoder']), (target, official['target_encoder'])):
        assert (model.forward_tokens(img) - ref_encoder(src, img)).abs().max() <= 1e-5
        assert (model.forward_tokens(img, keep=keep) - ref_encoder(src, img, keep)).abs().max() <= 1e-5
    assert not torch.allclose(context.forward_tokens(img), target.forward_tokens(img))


@torch.no_grad()
def test_predictor_matches_reference(official, inputs):
    img, keep, target_idx = inputs
    sd = convert_ijepa_checkpoint(official)['state_dict']
    context = ref_encoder(official['encoder'], img, keep)
    out = build_predictor(sd)(context, Masks(keep, target_idx))
    assert out.shape == (3 * 2, 5, D)
    assert (out - ref_predictor(official['predictor'], context, keep, target_idx)).abs().max() <= 1e-5


def test_full_checkpoint_fits_ijepa(official):
    from mmpretrain.registry import MODELS
    model = MODELS.build(dict(
        type='IJEPA',
        backbone=dict(type='JEPAViT', arch=dict(embed_dims=D, num_layers=DEPTH, num_heads=HEADS,
                                                feedforward_channels=4 * D), img_size=IMG, patch_size=PATCH),
        predictor=dict(type='JEPAPredictor', predictor_dims=P, depth=PDEPTH),
        mask_sampler=dict(type='MultiBlockMaskSampler', min_keep=1)))
    out = convert_ijepa_checkpoint(official)
    result = model.load_state_dict(out['state_dict'], strict=False)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert out['meta']['epoch'] == 300 and out['meta']['source_format'] == 'official'
    # the provenance the leaderboard tables a transfer of it under (the data is not in the file)
    assert out['meta']['provenance'] == dict(algorithm='I-JEPA', arch=f'ViT-D{D}xL{DEPTH}/{PATCH}', epochs=300,
                                             max_epochs=None, data=None, config=None)


def test_backbone_only_encoder_choice(official):
    target = convert_ijepa_checkpoint(official, backbone_only=True)
    context = convert_ijepa_checkpoint(official, backbone_only=True, encoder='context')
    assert all(k.startswith('backbone.') for k in target['state_dict'])
    assert same(target['state_dict'], {'backbone.' + k: v
                                       for k, v in convert_ijepa_encoder(official['target_encoder']).items()})
    assert same(context['state_dict'], {'backbone.' + k: v
                                        for k, v in convert_ijepa_encoder(official['encoder']).items()})
    assert target['meta']['encoder'] == 'target' and context['meta']['encoder'] == 'context'
    with pytest.raises(ValueError, match='target_encoder'):
        convert_ijepa_checkpoint(dict(encoder=official['encoder'], epoch=1), backbone_only=True)


def test_unprefixed_and_timm_sources(official):
    reference = convert_ijepa_checkpoint(official)['state_dict']
    bare = {k: (_strip(v) if k in ('encoder', 'predictor', 'target_encoder') else v) for k, v in official.items()}
    assert same(convert_ijepa_checkpoint(bare)['state_dict'], reference)
    assert same(convert_ijepa_predictor(_strip(official['predictor'])),
                {k[len('predictor.'):]: v for k, v in reference.items() if k.startswith('predictor.')})

    timm = {k.replace('norm.', 'fc_norm.') if k.startswith('norm.') else k: v
            for k, v in _strip(official['encoder']).items()}
    expected = {k[len('backbone.'):]: v for k, v in reference.items() if k.startswith('backbone.')}
    for source in (timm, {'model': timm}, {'state_dict': _strip(official['encoder'])}, official['encoder']):
        assert same(convert_ijepa_encoder(source.get('model', source.get('state_dict', source))), expected)
        full = convert_ijepa_checkpoint(source)
        assert full['meta'] == dict(full['meta'], source_format='timm', encoder='single', has_predictor=False)
        assert same({k[len('target_generator.encoder.'):]: v for k, v in full['state_dict'].items()
                     if k.startswith('target_generator.encoder.')}, expected)
        assert same(convert_ijepa_checkpoint(source, backbone_only=True)['state_dict'],
                    {'backbone.' + k: v for k, v in expected.items()})


def test_errors(official):
    with pytest.raises(ValueError, match='cls_token'):
        convert_ijepa_encoder({**official['encoder'], 'module.cls_token': torch.zeros(1, 1, D)})
    with pytest.raises(ValueError, match='predictor_foo'):
        convert_ijepa_checkpoint({**official, 'predictor': {**official['predictor'], 'predictor_foo': torch.zeros(1)}})
    with pytest.raises(ValueError, match="'encoder', 'target_encoder'"):
        convert_ijepa_checkpoint({'weights': torch.zeros(3), 'step': 10})
    with pytest.raises(ValueError, match='ema_head'):
        convert_ijepa_checkpoint({**official, 'ema_head': {}})
    with pytest.raises(ValueError, match='already an mmjepa'):
        convert_ijepa_checkpoint(convert_ijepa_checkpoint(official))
    with pytest.raises(ValueError, match='Incomplete'):
        convert_ijepa_encoder({'module.norm.weight': torch.ones(D)})
    with pytest.raises(ValueError, match='encoder must be'):
        convert_ijepa_checkpoint(official, encoder='online')


def test_cli(official, tmp_path):
    src, dst = tmp_path / 'IN1K-vit.pth.tar', tmp_path / 'new' / 'dir' / 'mmjepa.pth'
    torch.save(official, src)
    proc = subprocess.run([sys.executable, SCRIPT, str(src), str(dst)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    encoder_tensors, predictor_tensors = 3 + 12 * DEPTH + 2, 4 + 12 * PDEPTH + 4
    for line in (f'backbone.*: {encoder_tensors} ', f'target_generator.encoder.*: {encoder_tensors} ',
                 f'predictor.*: {predictor_tensors} ',
                 f'backbone: JEPAViT arch=dict(embed_dims={D}, num_layers={DEPTH}, feedforward_channels={4 * D}, '
                 f'num_heads=?), patch_size={PATCH}, img_size={IMG} ({IMG // PATCH}x{IMG // PATCH} position'):
        assert line in proc.stdout, proc.stdout
    out = torch.load(dst, weights_only=True)
    assert same(out['state_dict'], convert_ijepa_checkpoint(official)['state_dict'])
    assert os.listdir(dst.parent) == ['mmjepa.pth']  # no temporary file left behind

    spec = importlib.util.spec_from_file_location('ijepa_to_mmjepa', SCRIPT)
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    backbone = tmp_path / 'backbone.pth'
    cli.main([str(src), str(backbone), '--backbone-only', '--encoder', 'context', '--data', 'ImageNet-1k'])
    provenance = torch.load(backbone, weights_only=True)['meta']['provenance']
    assert (provenance['algorithm'], provenance['epochs'], provenance['data']) == ('I-JEPA', 300, 'ImageNet-1k')
    # The downstream path: mmengine's Pretrained init with the backbone. prefix.
    model = JEPAViT(arch=dict(embed_dims=D, num_layers=DEPTH, num_heads=HEADS, feedforward_channels=4 * D),
                    img_size=IMG, patch_size=PATCH,
                    init_cfg=dict(type='Pretrained', checkpoint=str(backbone), prefix='backbone.'))
    model.init_weights()
    assert same(model.state_dict(), convert_ijepa_encoder(official['encoder']))
