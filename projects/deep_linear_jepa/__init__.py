# Copyright (c) mmjepa contributors. All rights reserved.
"""Deep linear JEPA vs MAE: the implicit bias of `Littwin et al. 2024 <https://arxiv.org/abs/2407.03475>`_
(a study; see this folder's README). Importing registers the dataset, the model and the hook."""
from .data import LinearPairDataset, sample_pairs
from .hooks import ModeProjectionHook
from .model import DeepEncoder, DeepLinearSelfDistill

__all__ = ['DeepEncoder', 'DeepLinearSelfDistill', 'LinearPairDataset', 'ModeProjectionHook', 'sample_pairs']
