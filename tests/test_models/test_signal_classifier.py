# Copyright (c) mmjepa contributors. All rights reserved.
"""SignalDataPreprocessor inside mmpretrain models (ImageClassifier, BaseSelfSupervisor) and
CropAverageClassifier's averaging of the crops' logits (the official ECG-JEPA evaluation)."""
import numpy as np
import torch
from mmengine.dataset import default_collate
from mmpretrain.registry import MODELS
from torch import nn

import mmjepa  # noqa: F401
from mmjepa.datasets.ecg import PackSignalInputs, StridedSignalCrops


@MODELS.register_module(force=True)
class _TinySignalBackbone(nn.Module):
    """[B, 12, T] -> ([B, 8], ): a Conv1d and average pooling."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(12, 8, kernel_size=25, stride=25)

    def forward(self, x):
        return (self.conv(x).mean(-1), )


def _batch(num=3, length=5000, crops=False):
    rng = np.random.default_rng(0)
    samples = []
    for i in range(num):
        results = dict(signal=rng.normal(size=(12, length)).astype(np.float32), gt_label=[i % 4],
                       gt_score=np.eye(4, dtype=np.float32)[i % 4])
        if crops:
            results = StridedSignalCrops(1250, 625)(results)
        samples.append(PackSignalInputs()(results))
    return default_collate(samples)


def _classifier(type_='ImageClassifier'):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type=type_, backbone=dict(type='_TinySignalBackbone'),
        head=dict(type='MultiLabelLinearClsHead', num_classes=4, in_channels=8),
        data_preprocessor=dict(type='SignalDataPreprocessor', num_classes=4)))


def test_image_classifier_trains_on_signals():
    model = _classifier()
    data = model.data_preprocessor(_batch(), training=True)
    assert data['inputs'].shape == (3, 12, 5000)
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss']) and losses['loss'] > 0
    losses['loss'].backward()
    assert model.backbone.conv.weight.grad.abs().sum() > 0
    preds = model(**model.data_preprocessor(_batch()), mode='predict')
    assert preds[0].pred_score.shape == (4, ) and ((preds[0].pred_score > 0) & (preds[0].pred_score < 1)).all()


def test_crop_average_classifier_averages_logits():
    model = _classifier('CropAverageClassifier')
    model.eval()
    data = model.data_preprocessor(_batch(crops=True))
    x = data['inputs']
    assert x.shape == (3, 7, 12, 1250)
    with torch.no_grad():
        per_crop = torch.stack([model.head(model.extract_feat(x[:, k])) for k in range(7)], dim=1)
        expected = per_crop.mean(dim=1)
        preds = model(**data, mode='predict')
        logits = model(x, mode='tensor')
    torch.testing.assert_close(logits, expected)
    torch.testing.assert_close(torch.stack([p.pred_score for p in preds]), expected.sigmoid())
    assert not torch.allclose(expected, per_crop[:, 0])  # the crops do differ
    single = model(**model.data_preprocessor(_batch(length=1250)), mode='predict')
    assert len(single) == 3  # one crop per sample: as ImageClassifier


def test_selfsup_models_get_the_signal_batch():
    from mmpretrain.models import BaseSelfSupervisor

    class Probe(BaseSelfSupervisor):
        def loss(self, inputs, data_samples, **kwargs):
            self.seen = inputs
            return dict(loss=inputs.mean())

    model = Probe(backbone=dict(type='_TinySignalBackbone'), data_preprocessor=dict(type='SignalDataPreprocessor'))
    data = model.data_preprocessor(_batch(), training=True)
    model(**data, mode='loss')
    assert model.seen.shape == (3, 12, 5000) and model.seen.dtype == torch.float32
