# Copyright (c) mmjepa contributors. All rights reserved.
"""Datasets: the deterministic demo-scene generator (:mod:`.demo`), resumable sampling and checked image loading."""
from . import transforms  # noqa: F401
from .seeded import ResumableSampler, SeededDataset, sample_seed

__all__ = ['ResumableSampler', 'SeededDataset', 'sample_seed']
