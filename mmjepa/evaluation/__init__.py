# Copyright (c) mmjepa contributors. All rights reserved.
from .knn import knn_predict, knn_top1, linear_probe_predict, linear_probe_top1, top1
from .multilabel_auc import MultiLabelAUC, per_class_auc
from .paired import paired_difference
from .rollout import RolloutSuccessRate, RolloutTestLoop, rollout
from .stats import mean_std_se

__all__ = ['knn_predict', 'knn_top1', 'linear_probe_predict', 'linear_probe_top1', 'top1', 'paired_difference',
           'MultiLabelAUC', 'per_class_auc', 'RolloutSuccessRate', 'RolloutTestLoop', 'rollout', 'mean_std_se']
