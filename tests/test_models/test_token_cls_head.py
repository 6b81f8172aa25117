# Copyright (c) mmjepa contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F

from mmjepa.models import TokenClsHead, TokenTransformer  # first: lets mmpretrain import
from mmpretrain.structures import DataSample  # noqa: E402,I100


def test_pools_the_register_token_or_the_mean():
    tokens = torch.randn(3, 6, 8)
    first = TokenClsHead(num_classes=4, in_channels=8)
    torch.testing.assert_close(first((tokens, )), tokens[:, 0] @ first.fc.weight.T)
    assert first.fc.bias is None  # official: no bias
    mean = TokenClsHead(num_classes=4, in_channels=8, pool='mean', bias=True)
    torch.testing.assert_close(mean((tokens, )), tokens.mean(1) @ mean.fc.weight.T + mean.fc.bias)
    assert torch.count_nonzero(mean.fc.bias) == 0
    with pytest.raises(ValueError, match="model.head.pool='max'"):
        TokenClsHead(num_classes=4, in_channels=8, pool='max')
    with pytest.raises(ValueError, match=r'tokens \[B, N, 8\]'):
        first((torch.randn(3, 8), ))


def test_official_class_mean_bce_and_single_label_ce():
    tokens = torch.randn(2, 5, 8)
    head = TokenClsHead(num_classes=3, in_channels=8)
    samples = [DataSample().set_gt_label([0, 2]), DataSample().set_gt_label([1])]
    target = torch.tensor([[1., 0, 1], [0, 1, 0]])
    torch.testing.assert_close(head.loss((tokens, ), samples)['loss'],
                               F.binary_cross_entropy_with_logits(head((tokens, )), target))
    single = TokenClsHead(num_classes=3, in_channels=8, multi_label=False, loss=dict(type='CrossEntropyLoss'))
    # PTBXLDataset(single_label=True) gives one-hot gt_score: the same cross-entropy as class indices
    onehot = [DataSample().set_gt_label([2]).set_gt_score(torch.tensor([0., 0, 1])),
              DataSample().set_gt_label([0]).set_gt_score(torch.tensor([1., 0, 0]))]
    expected = F.cross_entropy(single((tokens, )), torch.tensor([2, 0]))
    torch.testing.assert_close(single.loss((tokens, ), onehot)['loss'], expected)


def tiny_signal_encoder(**kwargs):
    arch = dict(embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32)
    return TokenTransformer(arch=arch, num_register_tokens=1, output_registers=True,
                            tokenizer=dict(type='SignalPatchEmbed', in_channels=3, patch_size=5, signal_length=50),
                            **kwargs)


def test_frozen_encoder_trains_nothing_and_stays_in_eval_mode():
    torch.manual_seed(0)
    encoder = tiny_signal_encoder(frozen=True, drop_rate=0.5)
    encoder.init_weights()
    assert not any(p.requires_grad for p in encoder.parameters())
    encoder.train()
    assert not encoder.training and not any(m.training for m in encoder.modules())
    x = torch.randn(2, 3, 25, requires_grad=True)  # a shorter crop than configured: 5 tokens + 1 register
    out = encoder(x)[-1]
    assert out.shape == (2, 6, 16) and not out.requires_grad
    torch.testing.assert_close(out, encoder(x)[-1])  # no dropout in eval mode


def test_dropout_of_a_trainable_encoder():
    torch.manual_seed(0)
    encoder = tiny_signal_encoder(drop_rate=0.5)
    encoder.init_weights()
    x = torch.randn(2, 3, 50)
    encoder.train()
    assert encoder(x)[-1].requires_grad
    assert not torch.allclose(encoder(x)[-1], encoder(x)[-1])
    encoder.eval()
    torch.testing.assert_close(encoder(x)[-1], encoder(x)[-1])
