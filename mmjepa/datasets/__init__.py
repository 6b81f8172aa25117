# Copyright (c) mmjepa contributors. All rights reserved.
"""Datasets: the deterministic demo-scene generator (:mod:`.demo`), resumable sampling, checked image loading and
12-lead ECG data (:mod:`.ecg`)."""
from . import ecg, transforms  # noqa: F401
from .seeded import ResumableSampler, SeededDataset, sample_seed

__all__ = ['ResumableSampler', 'SeededDataset', 'sample_seed']
