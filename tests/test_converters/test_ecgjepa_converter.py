# Copyright (c) mmjepa contributors. All rights reserved.
"""The official ECG-JEPA checkpoint converter on checkpoints in the official layout (the official key names and
shapes of tests/data/ecgjepa_official/forward.pt, random values): every key accounted for, and the converted
target encoder gives the official features (recorded from the official code) within 1e-5."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

from mmjepa.converters import convert_ecgjepa_checkpoint

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tests', 'test_models'))
from test_ecgjepa_official import (LENGTH, OFFICIAL_CONFIG, load, relative, seeded_weights,  # noqa: E402
                                   signals, tiny_model)
sys.path.insert(0, osp.join(ROOT, 'tools', 'model_converters'))
import ecgjepa_to_mmjepa  # noqa: E402


def official_checkpoint(minified=False):
    fx = load('forward.pt')
    model = seeded_weights(fx['keys'], fx['shapes'], fx['weight_seed'])
    if minified:  # scripts/minify_pretrained_checkpoint.py: the target encoder and the config
        return dict(model={k: v for k, v in model.items() if k.startswith('target_encoder.')},
                    config=dict(OFFICIAL_CONFIG, dim=16))
    return dict(model=model, optimizer=dict(state={}, param_groups=[]), config=dict(OFFICIAL_CONFIG, dim=16),
                step=6)


def test_full_checkpoint_maps_every_key():
    ckpt = official_checkpoint()
    out = convert_ecgjepa_checkpoint(ckpt)
    used = {id(v) for v in out['state_dict'].values()}
    assert all(id(v) in used for v in ckpt['model'].values())  # every official tensor is used
    assert out['meta']['dropped'] == ['optimizer', 'step'] and out['meta']['step'] == 6
    model = tiny_model()
    model.load_state_dict(out['state_dict'], strict=True)
    assert out['meta']['provenance']['algorithm'] == 'ECG-JEPA'


def test_minified_checkpoint_gives_the_official_features(tmp_path):
    """The released files hold the target encoder only: converted backbone-only through the tool, loaded by a
    TokenTransformer of the default config with init_cfg=Pretrained (strict), its tokens are the official ones."""
    fx = load('forward.pt')
    src, dst = tmp_path / 'official.pt', tmp_path / 'converted.pth'
    torch.save(official_checkpoint(minified=True), src)
    ecgjepa_to_mmjepa.main([str(src), str(dst), '--backbone-only'])
    init_default_scope('mmpretrain')
    cfg = tiny_model().backbone  # the default config's encoder at the fixture's size
    backbone = MODELS.build(dict(type='TokenTransformer', arch=dict(embed_dims=16, num_layers=2, num_heads=2,
                                                                    feedforward_channels=64),
                                 num_register_tokens=1, block_cfg=dict(qkv_bias=False, proj_bias=False,
                                                                       ffn_bias=False, norm_bias=False),
                                 pos_cfg=cfg.pos_cfg,
                                 tokenizer=dict(type='SignalPatchEmbed', in_channels=4, patch_size=25,
                                                signal_length=LENGTH, bias=False),
                                 init_cfg=dict(type='Pretrained', checkpoint=str(dst), prefix='backbone.')))
    backbone.init_weights()
    with torch.no_grad():
        tokens = backbone.forward_tokens(signals(fx['input_seed'], 4))
    assert relative(tokens, fx['target_tokens']) < 1e-5


def test_minified_checkpoint_fills_both_encoder_roles():
    out = convert_ecgjepa_checkpoint(official_checkpoint(minified=True))
    sd = out['state_dict']
    assert torch.equal(sd['backbone.layers.0.attn.qkv.weight'], sd['target_generator.encoder.layers.0.attn.qkv.weight'])
    assert not out['meta']['has_predictor']


@pytest.mark.parametrize('change, message', [
    (lambda c: c['model'].update({'encoder.blocks.0.attn_ls.weight': torch.ones(16)}), 'LayerScale'),
    (lambda c: c['model'].update({'head.weight': torch.ones(1)}), 'Unknown key'),
    (lambda c: c.update(eval_config={}), 'fine-tuned classifier'),
    (lambda c: c.pop('config'), 'position tables'),
])
def test_unknown_or_missing_entries_are_errors(change, message):
    ckpt = official_checkpoint()
    change(ckpt)
    with pytest.raises(ValueError, match=message):
        convert_ecgjepa_checkpoint(ckpt)
