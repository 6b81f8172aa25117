# Copyright (c) mmjepa contributors. All rights reserved.
"""Datasets: the deterministic demo-scene generator (:mod:`.demo`), resumable sampling, checked image loading,
the few-shot subset wrapper, 12-lead ECG data (:mod:`.ecg`), tables (:mod:`.tabular`) and rendered-object
view sequences (:class:`RenderedObjectsDataset`, seq-JEPA) and Meta-World demonstrations
(:class:`MetaWorldDemoDataset`, ACT-JEPA)."""
from . import ecg, tabular, transforms  # noqa: F401
from .few_shot import FewShotDataset, few_shot_indices
from .metaworld_demos import MetaWorldDemoDataset
from .rendered_objects import RenderedObjectsDataset
from .seeded import ResumableSampler, SeededDataset, sample_seed
from .tabular import TableSchema, TabularDataset

__all__ = ['FewShotDataset', 'MetaWorldDemoDataset', 'RenderedObjectsDataset', 'ResumableSampler', 'SeededDataset', 'TableSchema', 'TabularDataset',
           'few_shot_indices', 'sample_seed']
