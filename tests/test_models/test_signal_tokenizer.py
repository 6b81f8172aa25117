# Copyright (c) mmjepa contributors. All rights reserved.
import pytest
import torch
from mmpretrain.registry import MODELS

from mmjepa.models import SignalPatchEmbed
from mmjepa.models.utils.layout import TokenLayout


def test_shapes_and_layout():
    embed = SignalPatchEmbed(in_channels=12, embed_dims=32, patch_size=25, signal_length=5000)
    assert embed.layout == TokenLayout((200, ))
    tokens, layout = embed(torch.randn(2, 12, 5000))
    assert tokens.shape == (2, 200, 32) and layout == TokenLayout((200, ))
    tokens, layout = embed(torch.randn(3, 12, 1250))  # a 2.5 s crop of the linear evaluation
    assert tokens.shape == (3, 50, 32) and layout.grid == (50, )


def test_equals_unfold_matmul():
    torch.manual_seed(0)
    embed = SignalPatchEmbed(in_channels=3, embed_dims=8, patch_size=5, signal_length=40, bias=True)
    with torch.no_grad():
        embed.proj.bias.normal_()
    x = torch.randn(2, 3, 40)
    patches = x.unfold(2, 5, 5).permute(0, 2, 1, 3).reshape(2, 8, 15)  # [B, N, C * P], lead-major
    expected = patches @ embed.proj.weight.reshape(8, 15).T + embed.proj.bias
    tokens, _ = embed(x)
    torch.testing.assert_close(tokens, expected, rtol=1e-5, atol=1e-5)


def test_official_defaults_no_bias_no_norm():
    embed = MODELS.build(dict(type='SignalPatchEmbed', embed_dims=384))
    assert embed.proj.bias is None
    assert [type(m).__name__ for m in embed.children()] == ['Conv1d']
    assert embed.proj.weight.shape == (384, 12, 25)
    # trunc_normal_(std=0.02) with the default cut at +-2 (absolute, as in the official code): plain N(0, 0.02)
    assert 0.019 < embed.proj.weight.std().item() < 0.021


@pytest.mark.parametrize('shape, match', [
    ((2, 12, 5010), 'tokenizer.patch_size=25'),
    ((2, 8, 5000), 'tokenizer.in_channels=12'),
    ((2, 12, 5025), 'tokenizer.signal_length=5000'),
    ((12, 5000), r'\[B, leads, samples\]'),
])
def test_bad_inputs(shape, match):
    embed = SignalPatchEmbed(embed_dims=16)
    with pytest.raises(ValueError, match=match):
        embed(torch.randn(*shape))


def test_bad_config():
    with pytest.raises(ValueError, match='model.backbone.tokenizer.signal_length=5010'):
        SignalPatchEmbed(embed_dims=16, signal_length=5010)
    with pytest.raises(ValueError, match='model.backbone.tokenizer.patch_size=0'):
        SignalPatchEmbed(embed_dims=16, patch_size=0)
