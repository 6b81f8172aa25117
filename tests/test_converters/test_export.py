# Copyright (c) mmjepa contributors. All rights reserved.
"""Backbone export of an mmjepa checkpoint: key conventions, strict loading into the target libraries' own models
and equal features where their architectures agree with :class:`JEPAViT`."""
import importlib.util
import os

import pytest
import torch
import torch.nn.functional as F

import mmjepa  # noqa: F401
from mmjepa.converters import FORMATS, convert_ijepa_encoder, export_backbone
from mmjepa.converters.export import to_mmseg
from mmjepa.converters.io import save_atomic
from mmjepa.models.backbones.jepa_vit import JEPAViT
from mmjepa.utils.transfer import select_prefix

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(ROOT, 'tools', 'model_converters', 'mmjepa_to_backbone.py')
_spec = importlib.util.spec_from_file_location('_transfer_helpers', os.path.join(ROOT, 'tests', 'test_transfer',
                                                                                  'transfer_helpers.py'))
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)
ARCH = dict(fx.TINY_ARCH, num_layers=2)  # 32 wide, 2 heads, FFN 64; patch 16 on 64 px: 16 patches
D, N, TARGET = ARCH['embed_dims'], 16, 'target_generator.encoder.'
BLOCK = {  # per layer: JEPAViT (mmpretrain) / mmseg / timm names of the same 12 tensors
    'mmpretrain': ['ln1', 'attn.qkv', 'attn.proj', 'ln2', 'ffn.layers.0.0', 'ffn.layers.1'],
    'mmseg': ['ln1', 'attn.attn.in_proj_', 'attn.attn.out_proj', 'ln2', 'ffn.layers.0.0', 'ffn.layers.1'],
    'timm': ['norm1', 'attn.qkv', 'attn.proj', 'norm2', 'mlp.fc1', 'mlp.fc2'],
}


def block_keys(fmt, prefix):
    sep = lambda m: '' if m.endswith('_') else '.'  # noqa: E731  (in_proj_weight)
    return {f'{prefix}{i}.{m}{sep(m)}{p}' for i in range(2) for m in BLOCK[fmt] for p in ('weight', 'bias')}


EXPECTED_KEYS = dict(
    mmdet={'backbone.' + k for k in {'patch_embed.projection.weight', 'patch_embed.projection.bias', 'pos_embed',
                                     'ln1.weight', 'ln1.bias'} | block_keys('mmpretrain', 'layers.')},
    mmseg={'cls_token', 'pos_embed', 'patch_embed.projection.weight', 'patch_embed.projection.bias', 'ln1.weight',
           'ln1.bias'} | block_keys('mmseg', 'layers.'),
    timm={'patch_embed.proj.weight', 'patch_embed.proj.bias', 'pos_embed', 'norm.weight', 'norm.bias'}
    | block_keys('timm', 'blocks.'),
)
EXPECTED_KEYS['mmpretrain'] = EXPECTED_KEYS['mmdet'] | {'backbone.ln2.weight', 'backbone.ln2.bias'}


@pytest.fixture(scope='module')
def ckpt_path(tmp_path_factory):
    return fx.save_pretrain_ckpt(str(tmp_path_factory.mktemp('export') / 'pre.pth'), num_layers=2)


@pytest.fixture(scope='module')
def ckpt(ckpt_path):
    return torch.load(ckpt_path, weights_only=True)


@pytest.fixture(scope='module')
def target(ckpt):
    return select_prefix(ckpt['state_dict'], TARGET)


def jepa_vit(state_dict, **kwargs):
    model = JEPAViT(arch=ARCH, img_size=64, patch_size=16, **kwargs)
    model.load_state_dict(state_dict, strict=True)
    model.eval()  # mmpretrain's ViT.train() returns None
    return model


@pytest.fixture(scope='module')
def reference(target):
    """JEPA's features: the target encoder's normalised tokens, and every layer's feature map."""
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    model = jepa_vit(target, out_indices=(0, 1))
    with torch.no_grad():
        return x, model.forward_tokens(x), model(x)


def exported(ckpt, fmt, tmp_path=None, **kwargs):
    out = export_backbone(ckpt, fmt, **kwargs)
    if tmp_path is None:
        return out
    path = str(tmp_path / f'{fmt}.pth')
    save_atomic(out, path)
    return out, path


def assert_close(a, b):
    assert a.shape == b.shape and (a - b).abs().max() <= 1e-5


# ---------------------------------------------------------------------------------------------------- keys
@pytest.mark.parametrize('fmt', FORMATS)
def test_keys_shapes_and_meta(ckpt, target, fmt):
    out = exported(ckpt, fmt)
    sd = out['state_dict']
    assert set(sd) == EXPECTED_KEYS[fmt]
    assert out['meta'] == dict(format=fmt, encoder='target', source=None, converter=out['meta']['converter'],
                               arch=dict(embed_dims=D, num_layers=2, feedforward_channels=64, patch_size=16,
                                         in_channels=3, num_patches=N),
                               dropped={'context encoder (not exported; select it with encoder=\'context\')': 29,
                                        'JEPA predictor (pretraining only)': 1, 'mask-RNG / EMA step counter': 1},
                               provenance=None)  # the source checkpoint has none
    pos = sd['pos_embed' if fmt in ('mmseg', 'timm') else 'backbone.pos_embed']
    if fmt == 'mmseg':
        assert sd['layers.1.attn.attn.in_proj_weight'].shape == (3 * D, D)
        assert torch.equal(sd['layers.1.attn.attn.in_proj_bias'], target['layers.1.attn.qkv.bias'])
        assert torch.equal(sd['cls_token'], torch.zeros(1, 1, D))
        assert pos.shape == (1, N + 1, D) and not pos[:, 0].any() and torch.equal(pos[:, 1:], target['pos_embed'])
    else:
        assert torch.equal(pos, target['pos_embed'])
    if fmt == 'mmpretrain':
        assert torch.equal(sd['backbone.ln2.weight'], torch.ones(D)) and not sd['backbone.ln2.bias'].any()


def test_timm_names_invert_the_ijepa_import(target):
    """No timm needed: the I-JEPA/timm importer maps the timm export back to the very same encoder."""
    back = convert_ijepa_encoder(exported({'state_dict': {TARGET + k: v for k, v in target.items()}}, 'timm')
                                 ['state_dict'])
    assert set(back) == set(target) and all(back[k] is target[k] for k in target)


# ------------------------------------------------------------------------------------ the libraries' models
@torch.no_grad()
def test_mmpretrain_vision_transformer(ckpt, reference):
    from mmpretrain.models.backbones import VisionTransformer
    x, tokens, _ = reference
    sd = select_prefix(exported(ckpt, 'mmpretrain')['state_dict'], 'backbone.')
    vit = VisionTransformer(arch=ARCH, img_size=64, patch_size=16, with_cls_token=False, out_type='avg_featmap')
    result = vit.load_state_dict(sd, strict=True)
    assert result.missing_keys == [] and result.unexpected_keys == []
    vit.eval()
    # ln2 at its default init: the pooled feature is LN(mean of JEPA's normalised tokens).
    assert_close(vit(x)[0], F.layer_norm(tokens.mean(1), (D, ), eps=1e-6))
    assert_close(jepa_vit(sd, out_type='avg_featmap')(x)[0], vit(x)[0])


@torch.no_grad()
def test_mmseg_vision_transformer(ckpt, reference, tmp_path):
    from mmseg.models.backbones import VisionTransformer
    x, _, featmaps = reference
    out, path = exported(ckpt, 'mmseg', tmp_path)
    kwargs = dict(img_size=64, patch_size=16, embed_dims=D, num_layers=2, num_heads=ARCH['num_heads'],
                  mlp_ratio=ARCH['feedforward_channels'] // D, patch_bias=True, final_norm=True,
                  norm_cfg=dict(type='LN', eps=1e-6), out_indices=(0, 1))
    vit = VisionTransformer(with_cls_token=False, init_cfg=dict(type='Pretrained', checkpoint=path), **kwargs)
    vit.init_weights()  # mmseg's own Pretrained path: checkpoint['state_dict'], no prefix
    assert set(vit.state_dict()) == set(out['state_dict'])
    assert all(torch.equal(v, out['state_dict'][k]) for k, v in vit.state_dict().items())
    result = vit.load_state_dict(out['state_dict'], strict=True)
    assert result.missing_keys == [] and result.unexpected_keys == []
    vit.eval()
    for got, want in zip(vit(x), featmaps, strict=True):
        assert_close(got, want)
    # with_cls_token=True: the zero class token takes part in attention, so the patch features change.
    with_cls = VisionTransformer(with_cls_token=True, **kwargs)
    with_cls.load_state_dict(out['state_dict'], strict=True)
    with_cls.eval()
    assert (with_cls(x)[-1] - featmaps[-1]).abs().max() > 1e-3


@torch.no_grad()
def test_mmdet_config_backbone(ckpt, reference, tmp_path):
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope
    x, _, featmaps = reference
    _, path = exported(ckpt, 'mmdet', tmp_path)
    cfg = fx.tiny_cfg('coco', path, prefix='backbone.')  # the demo Mask R-CNN config's backbone
    cfg.model.backbone.update(arch=ARCH, out_indices=(1, ))
    with DefaultScope.overwrite_default_scope(cfg.default_scope):  # no global scope left behind
        backbone = MODELS.build(cfg.model.backbone)
    backbone.init_weights()  # JEPAViT's strict transfer: raises on any missing or left-over key
    backbone.eval()
    assert_close(backbone(x)[0], featmaps[1])


@torch.no_grad()
def test_timm_vision_transformer(ckpt, reference, tmp_path):
    timm = pytest.importorskip('timm')
    x, tokens, _ = reference
    _, path = exported(ckpt, 'timm', tmp_path)
    vit = timm.create_model('vit_tiny_patch16_224', pretrained=False, img_size=64, embed_dim=D, depth=2,
                            num_heads=ARCH['num_heads'], mlp_ratio=ARCH['feedforward_channels'] / D,
                            class_token=False, global_pool='avg', fc_norm=False, num_classes=0,
                            checkpoint_path=path)  # timm loads checkpoint['state_dict'] strictly
    vit.eval()
    assert_close(vit.forward_features(x), tokens)
    assert_close(vit(x), tokens.mean(1))


# ---------------------------------------------------------------------------------- sources and errors
def test_encoder_choice_and_backbone_only_source(ckpt):
    context = exported(ckpt, 'mmdet', encoder='context')
    assert context['meta']['encoder'] == 'context'
    assert context['state_dict'] == {k: v for k, v in ckpt['state_dict'].items() if k.startswith('backbone.')}
    assert 'target encoder (not exported; select it with encoder=\'target\')' in context['meta']['dropped']
    backbone_only = {'state_dict': context['state_dict'], 'meta': {'encoder': 'context'}}
    again = exported(backbone_only, 'timm')
    assert again['meta']['encoder'] == 'context' and again['meta']['dropped'] == {}
    with pytest.raises(ValueError, match='backbone-only'):
        exported(backbone_only, 'timm', encoder='target')


def test_provenance_is_carried_over(ckpt):
    """The pretraining checkpoint's provenance stays with the exported backbone: a transfer of it is tabled
    under the algorithm that trained it."""
    provenance = dict(algorithm='DMT-JEPA', arch='ViT-D32xL2/16', epochs=4, max_epochs=16, data='demo', config='x.py')
    out = exported(dict(ckpt, meta=dict(ckpt['meta'], provenance=provenance)), 'mmseg')
    assert out['meta']['provenance'] == provenance


def test_errors(ckpt, target):
    sd = ckpt['state_dict']
    with pytest.raises(ValueError, match='official I-JEPA.*not an mmjepa checkpoint.*ijepa_to_mmjepa'):
        export_backbone({'encoder': {}, 'target_encoder': {'patch_embed.proj.weight': torch.zeros(1)}}, 'timm')
    with pytest.raises(ValueError, match='timm-style.*ijepa_to_mmjepa'):
        export_backbone({'model': {'patch_embed.proj.weight': torch.zeros(1), 'blocks.0.norm1.weight': torch.zeros(1)}},
                        'timm')
    with pytest.raises(ValueError, match=r"Expected an mmjepa checkpoint.*\[weights\]"):
        export_backbone({'weights': torch.zeros(3)}, 'mmdet')
    with pytest.raises(ValueError, match='got a list'):
        export_backbone([sd], 'mmdet')
    with pytest.raises(ValueError, match=r'Unknown keys.*head\.fc\.weight'):
        export_backbone({'state_dict': {**sd, 'head.fc.weight': torch.zeros(2)}}, 'mmdet')
    with pytest.raises(ValueError, match=r'not JEPAViT encoder keys.*cls_token'):
        export_backbone({'state_dict': {**sd, TARGET + 'cls_token': torch.zeros(1, 1, D)}}, 'mmseg')
    incomplete = {k: v for k, v in sd.items() if k != TARGET + 'layers.1.ln2.bias'}
    with pytest.raises(ValueError, match=r"Incomplete JEPAViT encoder \(2 layers\): missing \['layers.1.ln2.bias'\]"):
        export_backbone({'state_dict': incomplete}, 'mmpretrain')
    with pytest.raises(ValueError, match='choose one of'):
        export_backbone(ckpt, 'detectron2')
    with pytest.raises(ValueError, match='encoder must be'):
        export_backbone(ckpt, 'timm', encoder='online')
    with pytest.raises(ValueError, match='already an exported mmdet backbone'):
        export_backbone(export_backbone(ckpt, 'mmdet', source='pre.pth'), 'timm')
    wide = dict(target, **{f'layers.{i}.ffn.layers.0.0.weight': torch.zeros(48, D) for i in range(2)})
    with pytest.raises(ValueError, match='integer mlp_ratio.*48 / 32'):
        to_mmseg(wide)


def test_cli(ckpt_path, ckpt, tmp_path, capsys):
    spec = importlib.util.spec_from_file_location('mmjepa_to_backbone', SCRIPT)
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    dst = tmp_path / 'new' / 'timm.pth'
    cli.main([ckpt_path, str(dst), '--format', 'timm', '--encoder', 'context'])
    params = sum(v.numel() for k, v in ckpt['state_dict'].items() if k.startswith('backbone.'))
    assert f'(timm, context encoder): 29 tensors, {params:,} parameters; 31 source tensors not exported' \
        in capsys.readouterr().out
    out = torch.load(dst, weights_only=True)
    assert out['meta']['source'] == ckpt_path and out['meta']['format'] == 'timm'
    assert set(out['state_dict']) == EXPECTED_KEYS['timm'] and os.listdir(dst.parent) == ['timm.pth']

    bad = tmp_path / 'official.pth'
    torch.save({'encoder': {'patch_embed.proj.weight': torch.zeros(1)}, 'epoch': 1}, bad)
    text = tmp_path / 'lfs.pth'
    text.write_text('version https://git-lfs.github.com/spec/v1\n')
    for src, message in ((bad, 'official I-JEPA/DMT-JEPA checkpoint.*ijepa_to_mmjepa'), (tmp_path / 'none.pth', 'not found'),
                         (text, 'not a PyTorch checkpoint.*expected an mmjepa checkpoint')):
        with pytest.raises(SystemExit, match=message):
            cli.main([str(src), str(tmp_path / 'x.pth'), '--format', 'mmseg'])
    assert not (tmp_path / 'x.pth').exists()
    with pytest.raises(SystemExit):  # argparse: --format is required
        cli.main([ckpt_path, str(tmp_path / 'x.pth')])
    assert 'required: --format' in capsys.readouterr().err
