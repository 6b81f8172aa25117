# Copyright (c) mmjepa contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmjepa.models import AttentivePoolingClsHead, SignalPatchEmbed  # first: lets mmpretrain.models import
from mmpretrain.models import ImageClassifier  # noqa: E402,I100
from mmpretrain.registry import MODELS  # noqa: E402
from mmpretrain.structures import DataSample  # noqa: E402


@MODELS.register_module(name='_TokenBackboneForHeadTest', force=True)
class TokenBackbone(nn.Module):
    """Patch tokens of a short signal, as a 1-tuple (the backbone output a head receives)."""

    def __init__(self, embed_dims=16):
        super().__init__()
        self.embed = SignalPatchEmbed(in_channels=2, embed_dims=embed_dims, patch_size=5, signal_length=50)

    def forward(self, x):
        return (self.embed(x)[0], )


def test_shapes_and_official_structure():
    head = AttentivePoolingClsHead(num_classes=5, in_channels=16, num_heads=4)
    tokens = torch.randn(3, 11, 16)
    assert head((tokens, )).shape == (3, 5)
    assert head.pre_logits((tokens, )).shape == (3, 16)
    names = sorted(n for n, _ in head.named_parameters())
    assert names == ['attn.kv.weight', 'attn.q.weight', 'fc.weight', 'query_token']  # no norm, no bias
    block = AttentivePoolingClsHead(num_classes=5, in_channels=16, num_heads=4, complete_block=True)
    assert block((tokens, )).shape == (3, 5)


def test_matches_manual_attention():
    torch.manual_seed(0)
    head = AttentivePoolingClsHead(num_classes=3, in_channels=8, num_heads=2)
    tokens = torch.randn(2, 6, 8)
    q = (head.query_token @ head.attn.q.weight.T).reshape(1, 2, 4).transpose(0, 1)  # [heads, 1, 4]
    kv = tokens @ head.attn.kv.weight.T  # [B, N, 16]
    k = kv[..., :8].reshape(2, 6, 2, 4).permute(0, 2, 1, 3)
    v = kv[..., 8:].reshape(2, 6, 2, 4).permute(0, 2, 1, 3)
    weights = (q.unsqueeze(0) @ k.transpose(-1, -2) / 2.).softmax(-1)  # scale 4 ** -0.5
    pooled = (weights @ v).reshape(2, 8)
    torch.testing.assert_close(head((tokens, )), pooled @ head.fc.weight.T, rtol=1e-5, atol=1e-6)


def test_order_invariant_over_tokens():
    head = AttentivePoolingClsHead(num_classes=4, in_channels=16, num_heads=4)
    tokens = torch.randn(2, 9, 16)
    torch.testing.assert_close(head((tokens, )), head((tokens[:, torch.randperm(9)], )), rtol=1e-5, atol=1e-6)


def multi_hot_samples(labels, num_classes):
    samples = []
    for row in labels:
        sample = DataSample().set_gt_label(row)
        sample.set_gt_score(torch.zeros(num_classes).index_fill_(0, torch.tensor(row, dtype=torch.long), 1.))
        samples.append(sample)
    return samples


def test_frozen_backbone_gradient_only_into_head_and_official_loss():
    torch.manual_seed(0)
    model = ImageClassifier(
        backbone=dict(type='_TokenBackboneForHeadTest', embed_dims=16),
        head=dict(type='AttentivePoolingClsHead', num_classes=5, in_channels=16, num_heads=4))
    model.backbone.requires_grad_(False)
    x = torch.randn(4, 2, 50)
    samples = multi_hot_samples([[0, 3], [1], [], [2, 3, 4]], 5)
    losses = model.loss(x, samples)
    losses['loss'].backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.head.parameters())
    # official: F.binary_cross_entropy_with_logits, mean over batch and classes
    logits = model.head(model.extract_feat(x))
    target = torch.stack([s.gt_score for s in samples])
    torch.testing.assert_close(losses['loss'], F.binary_cross_entropy_with_logits(logits, target))


def test_loss_from_label_lists_and_mmpretrain_mean():
    head = AttentivePoolingClsHead(num_classes=5, in_channels=16, num_heads=4)
    tokens = torch.randn(3, 7, 16)
    samples = [DataSample().set_gt_label([0, 4]), DataSample().set_gt_label([2]), DataSample().set_gt_label([])]
    target = torch.tensor([[1., 0, 0, 0, 1], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0]])
    logits = head((tokens, ))
    expected = F.binary_cross_entropy_with_logits(logits, target)
    torch.testing.assert_close(head.loss((tokens, ), samples)['loss'], expected)
    head.class_mean = False  # mmpretrain's MultiLabelClsHead convention: summed over classes
    torch.testing.assert_close(head.loss((tokens, ), samples)['loss'], expected * 5)


def test_predict_multi_label_and_single_label():
    tokens = torch.randn(3, 7, 16)
    head = AttentivePoolingClsHead(num_classes=5, in_channels=16, num_heads=4)
    preds = head.predict((tokens, ))
    torch.testing.assert_close(torch.stack([p.pred_score for p in preds]), head((tokens, )).sigmoid())
    single = AttentivePoolingClsHead(num_classes=5, in_channels=16, num_heads=4, multi_label=False,
                                     loss=dict(type='CrossEntropyLoss'))
    logits = single((tokens, ))
    labels = [1, 0, 4]
    loss = single.loss((tokens, ), [DataSample().set_gt_label(v) for v in labels])['loss']
    torch.testing.assert_close(loss, F.cross_entropy(logits, torch.tensor(labels)))
    preds = single.predict((tokens, ))
    assert [int(p.pred_label) for p in preds] == logits.argmax(1).tolist()
    torch.testing.assert_close(preds[0].pred_score, logits[0].softmax(0))


def test_clear_errors():
    head = AttentivePoolingClsHead(num_classes=5, in_channels=16, num_heads=4)
    with pytest.raises(ValueError, match=r'model.head.in_channels'):
        head((torch.randn(3, 7, 8), ))
    with pytest.raises(ValueError, match=r'tokens \[B, N, 16\]'):
        head((torch.randn(3, 16), ))
    with pytest.raises(ValueError, match='model.head.num_heads=5'):
        AttentivePoolingClsHead(num_classes=5, in_channels=16, num_heads=5)
