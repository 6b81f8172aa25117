# Copyright (c) mmjepa contributors. All rights reserved.
"""Datasets: the deterministic demo-scene generator (:mod:`.demo`), resumable sampling, checked image loading,
the few-shot subset wrapper, 12-lead ECG data (:mod:`.ecg`) and tables (:mod:`.tabular`)."""
from . import ecg, tabular, transforms  # noqa: F401
from .few_shot import FewShotDataset, few_shot_indices
from .seeded import ResumableSampler, SeededDataset, sample_seed
from .tabular import TableSchema, TabularDataset

__all__ = ['FewShotDataset', 'ResumableSampler', 'SeededDataset', 'few_shot_indices', 'sample_seed']
