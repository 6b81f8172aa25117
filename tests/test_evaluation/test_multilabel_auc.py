# Copyright (c) mmjepa contributors. All rights reserved.
"""MultiLabelAUC (the PTB-XL metric of ECG-JEPA) against sklearn.metrics.roc_auc_score."""
import numpy as np
import pytest
import torch

import mmjepa  # noqa: F401
from mmjepa.evaluation import MultiLabelAUC, per_class_auc

sklearn_metrics = pytest.importorskip('sklearn.metrics')


def random_task(n=300, c=7, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    targets = (rng.random((n, c)) < rng.uniform(0.05, 0.6, size=c)).astype(np.float32)
    scores = rng.random((n, c)) + 0.4 * targets  # informative but imperfect
    if ties:
        scores = np.round(scores, 1)  # many tied scores
    return scores.astype(np.float32), targets


def run_metric(scores, targets, use_labels=False, **kwargs):
    metric = MultiLabelAUC(**kwargs)
    samples = []
    for s, t in zip(scores, targets):
        sample = dict(pred_score=torch.from_numpy(s))
        if use_labels:
            sample['gt_label'] = torch.from_numpy(np.flatnonzero(t))
        else:
            sample['gt_score'] = torch.from_numpy(t)
        samples.append(sample)
    for i in range(0, len(samples), 32):
        metric.process(None, samples[i:i + 32])
    return metric.evaluate(len(samples))


@pytest.mark.parametrize('ties', [False, True])
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_matches_sklearn_macro_auc(seed, ties):
    scores, targets = random_task(seed=seed, ties=ties)
    expected = sklearn_metrics.roc_auc_score(targets, scores, average='macro')
    result = run_metric(scores, targets)
    assert abs(result['multi-label/auc'] - expected) < 1e-6
    assert result['multi-label/num_classes'] == 7 and result['multi-label/num_skipped'] == 0
    per = per_class_auc(scores, targets)
    for k in range(7):
        assert abs(per[k] - sklearn_metrics.roc_auc_score(targets[:, k], scores[:, k])) < 1e-6
    assert 0.55 < expected < 0.95  # a task where the metric can be wrong in both directions


def test_gt_label_indices_and_prefix():
    scores, targets = random_task(seed=3)
    a = run_metric(scores, targets)['multi-label/auc']
    b = run_metric(scores, targets, use_labels=True, prefix='ptbxl')
    assert set(b) == {'ptbxl/auc', 'ptbxl/num_classes', 'ptbxl/num_skipped'} and abs(b['ptbxl/auc'] - a) < 1e-9


def test_classes_without_both_outcomes_are_skipped_and_counted():
    scores, targets = random_task(seed=4)
    targets[:, 2] = 0.  # no positive
    targets[:, 5] = 1.  # no negative
    keep = [0, 1, 3, 4, 6]
    expected = sklearn_metrics.roc_auc_score(targets[:, keep], scores[:, keep], average='macro')
    result = run_metric(scores, targets, per_class=True, classes=list('abcdefg'))
    assert abs(result['multi-label/auc'] - expected) < 1e-6
    assert result['multi-label/num_classes'] == 5 and result['multi-label/num_skipped'] == 2
    assert 'multi-label/auc_c' not in result and abs(
        result['multi-label/auc_d'] - sklearn_metrics.roc_auc_score(targets[:, 3], scores[:, 3])) < 1e-6
    with pytest.raises(ValueError, match=r"2 of 7 labels have no positive or no negative.*\['c', 'f'\]"):
        run_metric(scores, targets, on_undefined='raise', classes=list('abcdefg'))
    with pytest.raises(ValueError, match='no label left'):
        run_metric(scores, np.zeros_like(targets))


def test_perfect_and_inverted_scores():
    _, targets = random_task(seed=5)
    assert run_metric(targets + 0.1, targets)['multi-label/auc'] == pytest.approx(1.0)
    assert run_metric(-targets, targets)['multi-label/auc'] == pytest.approx(0.0)
    assert run_metric(np.zeros_like(targets), targets)['multi-label/auc'] == pytest.approx(0.5)


def test_registered_and_checks_shapes():
    from mmpretrain.registry import METRICS
    metric = METRICS.build(dict(type='MultiLabelAUC'))
    with pytest.raises(ValueError, match='pred_score has 3 classes, the ground truth 4'):
        metric.process(None, [dict(pred_score=torch.zeros(3), gt_score=torch.zeros(4))])
    with pytest.raises(ValueError, match='on_undefined'):
        MultiLabelAUC(on_undefined='ignore')
