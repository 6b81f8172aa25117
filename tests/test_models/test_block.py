# Copyright (c) mmjepa contributors. All rights reserved.
"""The family block says each member's conventions: norm placement, activation, biases, dropouts, tables, inits."""
import pytest
import torch
from torch import nn

from mmjepa.models.layers import ContextualKeyRPE, JEPABlock, build_blocks, run_block, with_rel_pos
from mmjepa.models.layers.block import TORCH_ENCODER_LAYER_KEYS
from mmjepa.models.predictors.jepa_predictor import last_layer_on_queries
from mmjepa.models.utils import apply_init
from mmjepa.models.utils.layout import TokenLayout


def torch_layer_like(block: JEPABlock, norm_first: bool, activation: str) -> nn.TransformerEncoderLayer:
    """``nn.TransformerEncoderLayer`` holding the weights of ``block`` (PyTorch's block is the reference)."""
    dims = block.embed_dims
    ref = nn.TransformerEncoderLayer(dims, block.attn.num_heads, block.ffn.layers[1].in_features, dropout=0.,
                                     activation=activation, layer_norm_eps=block.ln1.eps, batch_first=True,
                                     norm_first=norm_first)
    ours = block.state_dict()
    ref.load_state_dict({theirs: ours[name] for theirs, name in TORCH_ENCODER_LAYER_KEYS.items()})
    return ref.eval()


def random_block(**cfg) -> JEPABlock:
    torch.manual_seed(0)
    block = build_blocks(1, 16, 4, 32, cfg)[0]
    with torch.no_grad():  # non-trivial norms and biases
        for p in block.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return block.eval()


@pytest.mark.parametrize('norm,act', [('pre', 'gelu'), ('post', 'relu'), ('post', 'gelu')])
def test_block_equals_torch_encoder_layer(norm, act):
    block = random_block(norm=norm, act_cfg=dict(type='ReLU' if act == 'relu' else 'GELU'))
    ref = torch_layer_like(block, norm_first=norm == 'pre', activation=act)
    x = torch.randn(3, 7, 16)
    torch.testing.assert_close(block(x), ref(x), rtol=1e-5, atol=1e-6)
    # post- and pre-norm really differ on the same weights
    other = random_block(norm='pre' if norm == 'post' else 'post', act_cfg=dict(type='ReLU' if act == 'relu' else 'GELU'))
    assert (other(x) - block(x)).abs().max() > 1e-2


@pytest.mark.parametrize('norm', ['pre', 'post'])
def test_run_block_and_query_shortcut_follow_norm_placement(norm):
    block = random_block(norm=norm)
    x = torch.randn(2, 9, 16)
    torch.testing.assert_close(last_layer_on_queries(block, x, 4), block(x)[:, -4:], rtol=1e-5, atol=1e-6)
    layers = with_rel_pos(nn.ModuleList([block]), dict(type='ContextualKeyRPE'))
    assert isinstance(layers[0].attn.rel_pos, ContextualKeyRPE)  # its table starts at zero: no bias yet
    coords = TokenLayout((3, 3)).coordinates()
    torch.testing.assert_close(run_block(layers[0], x, coords), block(x), rtol=1e-5, atol=1e-6)


def test_biases_per_layer_kind():
    names = lambda blk: sorted(n for n, _ in blk.named_parameters() if n.endswith('bias'))  # noqa: E731
    assert names(random_block()) == ['attn.proj.bias', 'attn.qkv.bias', 'ffn.layers.0.0.bias', 'ffn.layers.1.bias',
                                     'ln1.bias', 'ln2.bias']
    assert names(random_block(qkv_bias=False, proj_bias=False)) == ['ffn.layers.0.0.bias', 'ffn.layers.1.bias',
                                                                   'ln1.bias', 'ln2.bias']
    bare = random_block(qkv_bias=False, proj_bias=False, ffn_bias=False, norm_bias=False)
    assert names(bare) == []
    bare.init_weights()  # mmpretrain's init must not touch absent biases
    assert bare(torch.randn(1, 3, 16)).shape == (1, 3, 16)


def test_attention_dropout_and_dropout_act_in_training_only():
    block = random_block(attn_drop=0.5, drop=0.2)
    assert block.attn.attn_drop == 0.5 and block.attn.proj_drop.p == 0.2 and block.ffn.layers[0][2].p == 0.2
    x = torch.randn(2, 5, 16)
    torch.testing.assert_close(block(x), block(x))
    block.train()
    assert (block(x) - block(x)).abs().max() > 0


def test_drop_path_rates_are_python_floats():
    layers = build_blocks(3, 16, 4, 32, drop_path_rate=0.2)
    assert [type(layer.attn.out_drop.drop_prob) for layer in layers] == [float] * 3
    assert [layer.attn.out_drop.drop_prob for layer in layers] == pytest.approx([0., 0.1, 0.2])


def test_bad_block_cfg_names_the_keys():
    with pytest.raises(ValueError, match=r"unknown keys \['qkv_bais'\].*'qkv_bias'"):
        build_blocks(1, 16, 4, 32, dict(qkv_bais=False))
    with pytest.raises(ValueError, match="block_cfg.norm='middle'"):
        build_blocks(1, 16, 4, 32, dict(norm='middle'))


def test_sincos_interleaved_and_offset():
    layout = TokenLayout((5, ))
    halves, inter = layout.sincos(8)[0], layout.sincos(8, interleave=True)[0]
    torch.testing.assert_close(inter[:, 0::2], halves[:, :4])  # sin(p w_i) at even channels
    torch.testing.assert_close(inter[:, 1::2], halves[:, 4:])  # cos(p w_i) at odd channels
    assert inter[3, 0] == pytest.approx(float(torch.sin(torch.tensor(3.))), abs=1e-6)
    shifted = layout.sincos(8, offset=1)[0]
    torch.testing.assert_close(shifted[:4], halves[1:])
    torch.testing.assert_close(TokenLayout((6, )).sincos(8)[0, 1:], shifted)


def test_encoders_and_predictors_take_the_conventions():
    from mmpretrain.registry import MODELS

    import mmjepa.models  # noqa: F401
    enc = MODELS.build(dict(type='TokenTransformer', arch=dict(embed_dims=16, num_layers=2, num_heads=4,
                                                               feedforward_channels=32),
                            tokenizer=dict(type='SignalPatchEmbed', in_channels=2, patch_size=5, signal_length=40),
                            block_cfg=dict(norm='post', qkv_bias=False, proj_bias=False, ffn_bias=False,
                                           norm_bias=False), pos_cfg=dict(interleave=True)))
    enc.init_weights()
    assert not [n for n, _ in enc.named_parameters() if n.startswith(('layers', 'ln1')) and n.endswith('bias')]
    assert all(not layer.norm_first for layer in enc.layers)
    torch.testing.assert_close(enc.pos_embed, TokenLayout((8, )).sincos(16, interleave=True))
    crop = enc.position_table(TokenLayout((4, )))  # a shorter input keeps the configured table layout
    torch.testing.assert_close(crop, TokenLayout((4, )).sincos(16, interleave=True))
    with pytest.raises(ValueError, match=r"pos_cfg has unknown keys \['interleaved'\]"):
        MODELS.build(dict(type='JEPAPredictor', embed_dims=16, num_heads=4, layout=TokenLayout((8, )),
                          predictor_dims=8, depth=1, pos_cfg=dict(interleaved=True)))
    agg = MODELS.build(dict(type='ActionSequenceAggregator', feat_dims=12, action_dims=4, action_embed_dims=4,
                            num_layers=1, num_heads=2, block_cfg=dict(norm='post', attn_drop=0.1)))
    assert not agg.layers[0].norm_first and agg.layers[0].attn.attn_drop == 0.1


def test_named_init_schemes():
    lin = nn.Linear(64, 64)
    apply_init(lin, dict(type='ijepa', std=0.001))
    assert lin.weight.std() < 0.002 and not lin.bias.any()
    with pytest.raises(ValueError, match="unknown scheme; choose one of .*'ijepa'"):
        apply_init(lin, 'nope')
