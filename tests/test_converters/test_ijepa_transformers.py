# Copyright (c) mmjepa contributors. All rights reserved.
"""Hugging Face I-JEPA weights (transformers ``IJepaModel``, as on the Hub: facebook/ijepa_vit*) through the
I-JEPA converter: features equal to ``IJepaModel(...).last_hidden_state``, in the 4.x layout of the Hub files
and in the 5.x layout, from model.safetensors and pytorch_model.bin.

Needs the installed transformers and safetensors (requirements/tests.txt); skips without them."""
import importlib.util
import os.path as osp
import re

import pytest
import torch

from mmjepa.converters import convert_ijepa_checkpoint, convert_ijepa_encoder
from mmjepa.models.backbones.jepa_vit import JEPAViT
from mmjepa.utils import CheckpointFormatError, TransferError

transformers = pytest.importorskip('transformers', reason='transformers is not installed '
                                   '(pip install -r requirements/tests.txt)')
safetensors_torch = pytest.importorskip('safetensors.torch', reason='safetensors is not installed')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(ROOT, 'tools', 'model_converters', 'ijepa_to_mmjepa.py')
D, DEPTH, HEADS, FFN, PATCH, IMG = 64, 2, 4, 128, 8, 32
ARCH = dict(embed_dims=D, num_layers=DEPTH, num_heads=HEADS, feedforward_channels=FFN)
# The names of the Hub files (transformers 4.x) from the 5.x ones: the reverse of the renaming that
# transformers 5 applies when it loads them (transformers.conversion_mapping, 'ViTModel').
TO_4X = [(r'^(ijepa\.)?layers\.', r'\1encoder.layer.'), (r'\.attention\.q_proj\.', '.attention.attention.query.'),
         (r'\.attention\.k_proj\.', '.attention.attention.key.'),
         (r'\.attention\.v_proj\.', '.attention.attention.value.'),
         (r'\.attention\.o_proj\.', '.attention.output.dense.'), (r'\.mlp\.fc1\.', '.intermediate.dense.'),
         (r'\.mlp\.fc2\.', '.output.dense.')]


def to_4x(state_dict):
    out = {}
    for key, value in state_dict.items():
        for pattern, new in TO_4X:
            key = re.sub(pattern, new, key)
        out[key] = value
    return out


def randomise(model, seed=0):
    """Every parameter random (LayerNorms around 1/0, position embeddings of unit scale), so that no
    mapping error hides behind an identity initialisation."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            p.copy_(1 + 0.1 * noise if 'layernorm' in name and name.endswith('weight')
                    else noise if 'position' in name else noise * (0.1 if p.ndim == 1 else p.shape[-1]**-0.5))
    return model.eval()


@pytest.fixture(scope='module')
def config():
    # layer_norm_eps as in the Hub configs (IJepaConfig's default is 1e-12), mmpretrain's LayerNorm eps
    return transformers.IJepaConfig(hidden_size=D, num_hidden_layers=DEPTH, num_attention_heads=HEADS,
                                    intermediate_size=FFN, image_size=IMG, patch_size=PATCH, layer_norm_eps=1e-6)


@pytest.fixture(scope='module')
def hf_model(config):
    return randomise(transformers.IJepaModel(config))


@pytest.fixture(scope='module')
def images():
    g = torch.Generator().manual_seed(1)
    return torch.randn(2, 3, IMG, IMG, generator=g), torch.randn(2, 3, IMG + 2 * PATCH, IMG + 2 * PATCH, generator=g)


def jepavit(state_dict, prefix='backbone.'):
    model = JEPAViT(arch=ARCH, img_size=IMG, patch_size=PATCH)
    model.load_state_dict({k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}, strict=True)
    model.eval()  # mmpretrain's ViT.train() returns None
    return model


def test_the_5x_layout_is_what_this_transformers_saves(hf_model):
    keys = list(hf_model.state_dict())
    assert len(keys) == 3 + 16 * DEPTH + 2
    assert {'layers.1.attention.q_proj.weight', 'layers.1.attention.o_proj.bias', 'layers.1.mlp.fc2.weight',
            'layers.1.layernorm_after.bias', 'layernorm.weight'} <= set(keys)


def test_the_4x_layout_is_what_transformers_reads_as_the_hub_format(hf_model, config, tmp_path):
    """transformers 5 loads the 4.x-named file with no missing or unexpected key: TO_4X is the Hub layout."""
    if int(transformers.__version__.split('.')[0]) < 5:
        pytest.skip('transformers 4 saves the 4.x layout itself')
    config.save_pretrained(tmp_path)
    hub = {k: v.contiguous() for k, v in to_4x(hf_model.state_dict()).items()}
    assert 'encoder.layer.1.attention.attention.value.bias' in hub and 'encoder.layer.1.output.dense.weight' in hub
    safetensors_torch.save_file(hub, str(tmp_path / 'model.safetensors'), metadata={'format': 'pt'})
    loaded, info = transformers.IJepaModel.from_pretrained(str(tmp_path), output_loading_info=True)
    assert not info['missing_keys'] and not info['unexpected_keys'] and not info['mismatched_keys']
    assert all(torch.equal(loaded.state_dict()[k], v) for k, v in hf_model.state_dict().items())


@pytest.mark.parametrize('layout', ['5.x', '4.x'])
@torch.no_grad()
def test_features_equal_ijepamodel(hf_model, images, layout):
    img, big = images
    source = hf_model.state_dict() if layout == '5.x' else to_4x(hf_model.state_dict())
    out = convert_ijepa_checkpoint(source, backbone_only=True)
    assert out['meta']['source_format'] == 'transformers' and out['meta']['left_out'] == []
    model = jepavit(out['state_dict'])
    expected = hf_model(pixel_values=img).last_hidden_state
    assert expected.shape == (2, (IMG // PATCH)**2, D)
    assert (model.forward_tokens(img) - expected).abs().max() <= 1e-5
    # a larger input: both interpolate the 4x4 position embeddings (bicubic) to 6x6
    expected = hf_model(pixel_values=big, interpolate_pos_encoding=True).last_hidden_state
    assert (model.forward_tokens(big) - expected).abs().max() <= 1e-5
    # the full pretraining layout: the single encoder in both roles, no predictor
    full = convert_ijepa_checkpoint(source)
    assert full['meta']['encoder'] == 'single' and not full['meta']['has_predictor']
    assert torch.equal(jepavit(full['state_dict'], 'target_generator.encoder.').forward_tokens(img),
                       model.forward_tokens(img))


@torch.no_grad()
def test_classification_model_under_ijepa_prefix(config, images):
    classifier = randomise(transformers.IJepaForImageClassification(config), seed=2)
    source = classifier.state_dict()
    assert 'ijepa.layers.0.attention.q_proj.weight' in source and 'classifier.weight' in source
    left_out = []
    encoder = convert_ijepa_encoder(to_4x(source), left_out)  # the 4.x names under ijepa. too
    assert left_out == ['classifier.weight', 'classifier.bias']
    model = JEPAViT(arch=ARCH, img_size=IMG, patch_size=PATCH)
    model.load_state_dict(encoder, strict=True)
    model.eval()
    assert (model.forward_tokens(images[0]) - classifier.ijepa(images[0]).last_hidden_state).abs().max() <= 1e-5
    meta = convert_ijepa_checkpoint(source, backbone_only=True)['meta']
    assert meta['left_out'] == ['classifier.weight', 'classifier.bias']


def _cli():
    spec = importlib.util.spec_from_file_location('ijepa_to_mmjepa', SCRIPT)
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    return cli


@torch.no_grad()
def test_cli_reads_safetensors_and_bin(hf_model, config, images, tmp_path, capsys):
    safetensors_file, bin_file = tmp_path / 'model.safetensors', tmp_path / 'pytorch_model.bin'
    safetensors_torch.save_file({k: v.contiguous() for k, v in to_4x(hf_model.state_dict()).items()},
                                str(safetensors_file), metadata={'format': 'pt'})
    torch.save(hf_model.state_dict(), bin_file)
    expected = hf_model(pixel_values=images[0]).last_hidden_state
    cli = _cli()
    for src in (safetensors_file, bin_file):
        dst = tmp_path / f'{src.stem}_backbone.pth'
        cli.main([str(src), str(dst), '--backbone-only'])
        printed = capsys.readouterr().out
        assert 'transformers-format checkpoint' in printed and f'backbone.*: {3 + 12 * DEPTH + 2} tensors' in printed
        assert (f'arch=dict(embed_dims={D}, num_layers={DEPTH}, feedforward_channels={FFN}, num_heads=?), '
                f'patch_size={PATCH}, img_size={IMG}') in printed
        # the downstream path: the strict Pretrained init of JEPAViT
        model = JEPAViT(arch=ARCH, img_size=IMG, patch_size=PATCH,
                        init_cfg=dict(type='Pretrained', checkpoint=str(dst), prefix='backbone.'))
        model.init_weights()
        model.eval()
        assert (model.forward_tokens(images[0]) - expected).abs().max() <= 1e-5
    # the config.json of a Hub snapshot: the heads, and a warning for what JEPAViT computes otherwise
    config.save_pretrained(tmp_path)
    cli.main([str(safetensors_file), str(tmp_path / 'out.pth')])
    printed = capsys.readouterr().out
    assert f'num_heads={HEADS}, image_size={IMG}, patch_size={PATCH}' in printed and 'WARNING' not in printed
    transformers.IJepaConfig(**{**config.to_dict(), 'layer_norm_eps': 1e-12}).save_pretrained(tmp_path)
    cli.main([str(safetensors_file), str(tmp_path / 'out.pth')])
    assert "WARNING: layer_norm_eps=1e-12, JEPAViT uses 1e-6: for the same features set " \
           "model.backbone.norm_cfg=dict(type='LN', eps=1e-12)" in capsys.readouterr().out
    # a Hub file given to the backbone directly: told to convert it first (torch >= 2.x reads safetensors too)
    truncated = tmp_path / 'truncated.safetensors'
    truncated.write_bytes(safetensors_file.read_bytes()[:safetensors_file.stat().st_size // 2])
    for src, errors, match in (
            (bin_file, TransferError, 'Hugging Face transformers IJepaModel.*convert it first with python '
             'tools/model_converters/ijepa_to_mmjepa.py'),
            (safetensors_file, (TransferError, CheckpointFormatError), 'safetensors|Hugging Face transformers'),
            (truncated, CheckpointFormatError, 'starts as a safetensors file.*truncated download')):
        model = JEPAViT(arch=ARCH, img_size=IMG, patch_size=PATCH,
                        init_cfg=dict(type='Pretrained', checkpoint=str(src), prefix='backbone.'))
        with pytest.raises(errors, match=match):
            model.init_weights()
    with pytest.raises(CheckpointFormatError, match='looks like a safetensors file but cannot be read'):
        cli.main([str(truncated), str(tmp_path / 'out.pth')])


def test_partial_unknown_and_mixed_layouts_are_errors(hf_model):
    sd = hf_model.state_dict()
    hub = to_4x(sd)
    no_value = {k: v for k, v in hub.items() if k != 'encoder.layer.1.attention.attention.value.weight'}
    with pytest.raises(ValueError, match=r"'layers.1.attn.qkv.weight' fuses .* found only the \['query', 'key'\]"):
        convert_ijepa_encoder(no_value)
    no_block = {k: v for k, v in sd.items() if not k.startswith('layers.1.attention.o_proj.')}
    with pytest.raises(ValueError, match=r"layer 1 lacks \['attn.proj.bias', 'attn.proj.weight'\]"):
        convert_ijepa_encoder(no_block)
    no_layer0 = {k: v for k, v in sd.items() if not k.startswith('layers.0.')}
    with pytest.raises(ValueError, match='Incomplete I-JEPA encoder'):
        convert_ijepa_encoder(no_layer0)
    with pytest.raises(ValueError, match=r'Unknown encoder keys.*embeddings\.cls_token'):
        convert_ijepa_checkpoint({**sd, 'embeddings.cls_token': torch.zeros(1, 1, D)})
    with pytest.raises(ValueError, match="Two encoder keys map to 'layers.0.attn.qkv.weight'"):
        convert_ijepa_encoder({**sd, 'encoder.layer.0.attention.attention.query.weight': sd[
            'layers.0.attention.q_proj.weight']})
    with pytest.raises(ValueError, match="Two encoder keys map to 'pos_embed'"):
        convert_ijepa_encoder({**sd, 'pos_embed': sd['embeddings.position_embeddings']})
