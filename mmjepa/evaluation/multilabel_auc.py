# Copyright (c) mmjepa contributors. All rights reserved.
"""Macro ROC AUC over labels, the PTB-XL metric of `ECG-JEPA <https://arxiv.org/abs/2410.13867>`_."""
import logging
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpretrain.registry import METRICS
from mmpretrain.structures import label_to_onehot
from scipy.stats import rankdata

ON_UNDEFINED = ('skip', 'raise')


def per_class_auc(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """ROC AUC of each column of ``scores`` [N, C] against binary ``targets`` [N, C]: the Mann-Whitney
    statistic ``(sum of the positives' ranks - P (P + 1) / 2) / (P * Q)``, ties sharing their mean rank (the
    trapezoidal ROC area). NaN for a column without both positives and negatives."""
    scores, targets = np.asarray(scores, dtype=np.float64), np.asarray(targets) > 0.5
    if scores.shape != targets.shape or scores.ndim != 2:
        raise ValueError(f'per_class_auc: scores {scores.shape} and targets {targets.shape} must both be [N, C]')
    ranks = rankdata(scores, axis=0)
    num_pos = targets.sum(axis=0).astype(np.float64)
    num_neg = len(targets) - num_pos
    rank_sum = (ranks * targets).sum(axis=0)
    with np.errstate(divide='ignore', invalid='ignore'):
        auc = (rank_sum - num_pos * (num_pos + 1) / 2) / (num_pos * num_neg)
    auc[(num_pos == 0) | (num_neg == 0)] = np.nan
    return auc


@METRICS.register_module()
class MultiLabelAUC(BaseMetric):
    """Macro-averaged ROC AUC over labels (in [0, 1], as the paper's tables), from each sample's
    ``pred_score`` and ``gt_score`` (or its ``gt_label`` indices).

    The official evaluation (``kweimann/ECG-JEPA``, ``finetune.py``) calls ``sklearn.metrics.roc_auc_score(
    average='macro')`` on the sigmoid (single-label: softmax) scores, which raises when a label has no positive
    or no negative in the split. Here such labels are left out of the mean by default and counted
    (``num_skipped``); ``on_undefined='raise'`` refuses them, like the official code.

    Results: ``{prefix}/auc`` (the macro mean), ``{prefix}/num_classes`` (labels averaged), ``{prefix}/
    num_skipped`` and, with ``per_class=True``, ``{prefix}/auc_<class name or index>``.

    Args:
        on_undefined (str): ``'skip'`` (default) or ``'raise'``.
        per_class (bool): Also report each label's AUC. Defaults to False.
        classes (Sequence[str], optional): Label names for the per-class keys (default: the dataset's
            ``classes`` when the evaluator passes the dataset meta, else indices).
        collect_device, prefix: As :class:`mmengine.evaluator.BaseMetric`; the prefix defaults to
            ``'multi-label'``.
    """
    default_prefix: Optional[str] = 'multi-label'

    def __init__(self, on_undefined: str = 'skip', per_class: bool = False,
                 classes: Optional[Sequence[str]] = None, collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if on_undefined not in ON_UNDEFINED:
            raise ValueError(f'MultiLabelAUC: on_undefined={on_undefined!r} must be one of {ON_UNDEFINED}')
        self.on_undefined, self.per_class = on_undefined, per_class
        self.classes = None if classes is None else list(classes)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            score = torch.as_tensor(sample['pred_score']).detach().float().cpu()
            if 'gt_score' in sample:
                target = torch.as_tensor(sample['gt_score']).detach().float().cpu()
            elif 'gt_label' in sample:
                target = label_to_onehot(torch.as_tensor(sample['gt_label']).cpu(), len(score)).float()
            else:
                raise ValueError('MultiLabelAUC: a data sample has neither gt_score nor gt_label')
            if target.shape != score.shape:
                raise ValueError(f'MultiLabelAUC: pred_score has {len(score)} classes, the ground truth '
                                 f'{len(target)}')
            self.results.append((score.numpy(), target.numpy()))

    def compute_metrics(self, results: List) -> dict:
        scores = np.stack([s for s, _ in results])
        targets = np.stack([t for _, t in results])
        auc = per_class_auc(scores, targets)
        undefined = np.flatnonzero(np.isnan(auc))
        names = self.classes or list((self.dataset_meta or {}).get('classes') or range(auc.shape[0]))
        if len(names) != auc.shape[0]:
            names = list(range(auc.shape[0]))
        if len(undefined):
            message = (f'MultiLabelAUC: {len(undefined)} of {auc.shape[0]} labels have no positive or no negative '
                       f'among the {len(scores)} samples evaluated: {[names[i] for i in undefined]}')
            if self.on_undefined == 'raise' or len(undefined) == auc.shape[0]:
                raise ValueError(message + ('' if self.on_undefined == 'raise' else ' (no label left to average)'))
            print_log(message + '; they are left out of the macro AUC', logger='current', level=logging.WARNING)
        metrics = dict(auc=float(np.nanmean(auc)), num_classes=int(auc.shape[0] - len(undefined)),
                       num_skipped=int(len(undefined)))
        if self.per_class:
            metrics.update({f'auc_{names[i]}': float(auc[i]) for i in range(auc.shape[0]) if not np.isnan(auc[i])})
        return metrics
