# Copyright (c) mmjepa contributors. All rights reserved.
"""The official T-JEPA checkpoint converter: every key used or dropped by name, the [CLS] token as a register
token or in the sequence, the converter script end to end (features equal the official encoder's: the
fixture of tests/data/tjepa_official/), and the errors."""
import importlib.util
import os.path as osp
import sys

import pytest
import torch

from mmjepa.converters import convert_tjepa_checkpoint, convert_tjepa_encoder, convert_tjepa_predictor

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tests/test_models'))
from tjepa_official_setup import S, official_layout, official_state  # noqa: E402


def official_checkpoint():
    ckpt = {part: official_state(part) for part in ('context_encoder', 'target_encoder', 'predictor')}
    ckpt.update(optimizer=dict(state={}, param_groups=[]), scaler={}, scheduler=dict(_step=6.),
                weightdecay=dict(_step=6.), epoch=2, train_loss=torch.tensor([0.3]))
    return ckpt


@pytest.mark.parametrize('cls_token', ['register', 'sequence'])
def test_every_key_is_converted_or_dropped_by_name(cls_token):
    out = convert_tjepa_checkpoint(official_checkpoint(), cls_token=cls_token)
    sd, meta = out['state_dict'], out['meta']
    layout = official_layout()
    dropped = set(meta['dropped'])
    for part in ('context_encoder', 'target_encoder'):
        prototype = {f'{part}.{k}' for k in layout[part] if k.startswith('encoder.transformer_layers.')}
        assert prototype | {f'{part}.pe.pe'} <= dropped
    assert {'predictor.layer_norm.weight', 'predictor.layer_norm.bias', 'predictor.predictor_pos_embed'} <= dropped
    assert set(meta['dropped_training_state']) == {'optimizer', 'scaler', 'scheduler', 'weightdecay', 'train_loss'}
    # tensors in = tensors out + dropped (+ register tokens, pos tables, step made here)
    made = {'step'} | {k for k in sd if k.endswith('pos_embed') or k.endswith('register_tokens')}
    n_in = sum(len(layout[p]) for p in ('context_encoder', 'target_encoder', 'predictor'))
    assert len(sd) - len(made) + len(dropped) == n_in
    d = S['dims']
    weight = official_state('context_encoder')['tokenizer.weight']
    if cls_token == 'register':
        assert sd['backbone.tokenizer.weight'].shape == (S['num_numeric'], d)
        pe0 = torch.tensor([0., 1.] * (d // 2))  # the official table's row 0
        assert torch.allclose(sd['backbone.register_tokens'][0, 0], weight[0] + pe0)
        assert sd['predictor.pos_embed'].shape == (1, S['D'], S['pred_dims'])
    else:
        assert torch.equal(sd['backbone.tokenizer.weight'], weight)
        assert 'backbone.register_tokens' not in sd
        assert sd['predictor.pos_embed'].shape == (1, S['D'] + 1, S['pred_dims'])
    qkv = official_state('predictor')['transformer.transformer.layers.1.self_attn.in_proj_weight']
    assert torch.equal(sd['predictor.layers.1.attn.qkv.weight'], qkv)
    assert torch.equal(sd['predictor.head.fc.weight'], official_state('predictor')['transformer.fc.weight'])
    assert meta['epoch'] == 2 and meta['provenance']['algorithm'] == 'T-JEPA'


def test_unknown_and_unsupported_keys_are_errors():
    enc = official_state('context_encoder')
    with pytest.raises(ValueError, match='Unknown keys in the T-JEPA encoder.*encoder.extra.weight'):
        convert_tjepa_encoder(dict(enc, **{'encoder.extra.weight': torch.zeros(2)}))
    with pytest.raises(ValueError, match='feature_index_embedding'):
        convert_tjepa_encoder(dict(enc, **{'feature_index_embedding.weight': torch.zeros(6, 8)}))
    pred = official_state('predictor')
    with pytest.raises(ValueError, match='Unknown keys in the T-JEPA predictor.*transformer.norm.weight'):
        convert_tjepa_predictor(dict(pred, **{'transformer.norm.weight': torch.zeros(4)}))
    with pytest.raises(ValueError, match="pred_type='mlp'"):
        convert_tjepa_predictor([pred])
    with pytest.raises(ValueError, match='sin-cos table'):
        convert_tjepa_encoder(dict(enc, **{'pe.pe': enc['pe.pe'] + 1}))
    with pytest.raises(ValueError, match='Unknown top-level keys'):
        convert_tjepa_checkpoint(dict(official_checkpoint(), extra=1))


def test_converter_script_gives_the_official_features(tmp_path):
    """tools/model_converters/tjepa_to_mmjepa.py on an official-layout file: the default config's encoder,
    loaded with ``init_cfg=Pretrained``, gives the official target encoder's features (fixture) to 1e-5."""
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    src, dst = tmp_path / 'official.pth', tmp_path / 'mmjepa.pth'
    torch.save(official_checkpoint(), src)
    spec = importlib.util.spec_from_file_location('tjepa_to_mmjepa',
                                                  osp.join(ROOT, 'tools/model_converters/tjepa_to_mmjepa.py'))
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.main([str(src), str(dst), '--backbone-only'])
    from test_tjepa_official import tiny_cfg
    init_default_scope('mmpretrain')
    cfg = tiny_cfg(osp.join(ROOT, 'configs/tjepa/tjepa_ftt-d64-l16_1xb512-300e_jannis.py'))
    pretrained = dict(type='Pretrained', checkpoint=str(dst), prefix='backbone.')
    backbone = MODELS.build(dict(cfg.model.backbone, init_cfg=pretrained))
    backbone.init_weights()
    fixture = torch.load(osp.join(ROOT, 'tests/data/tjepa_official/tjepa_official.pt'), weights_only=True)['forward']
    with torch.no_grad():
        features = backbone.forward_tokens(fixture['x'])
    expected = fixture['target_full'][:, S['n_cls']:]
    assert float((features - expected).norm() / expected.norm()) < 1e-5
