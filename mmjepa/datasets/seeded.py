# Copyright (c) mmjepa contributors. All rights reserved.
"""Per-sample seeded augmentation and a sampler that can start mid-epoch: the data side of exact resume.

A resumed run must feed the model the same augmented images as a run that was never interrupted. mmengine
seeds each dataloader worker once, so augmentations depend on which worker ran which batch and on how long
the workers have lived (persistent workers carry their RNG across epochs; a resumed run starts them afresh).
Here the randomness of one sample is a function of ``(seed, epoch, index)`` only: :class:`ResumableSampler`
yields ``(index, sample_seed)`` keys and :class:`SeededDataset` runs the wrapped dataset's pipeline under that
seed. The same image then gets the same crop whatever the worker count, the world size or a resume.
"""
import copy
from typing import Iterator, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import DefaultSampler
from mmengine.logging import print_log
from mmengine.registry import DATA_SAMPLERS, DATASETS

from ..utils.rng import seeded_rng


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """A 32-bit seed for one sample's augmentation, decorrelated across (seed, epoch, index)."""
    return int(np.random.SeedSequence([seed & 0xFFFFFFFF, epoch, index]).generate_state(1)[0])


@DATASETS.register_module()
class SeededDataset:
    """Run each sample's pipeline under the seed that :class:`ResumableSampler` sends with its index.

    Args:
        dataset (dict | Dataset): The dataset to wrap (its pipeline does the augmentation).
        lazy_init (bool): Defer the wrapped dataset's ``full_init``. Defaults to False.

    A plain integer index (another sampler, or direct access) is served unseeded, as without the wrapper.
    """

    def __init__(self, dataset: Union[dict, object], lazy_init: bool = False):
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        if not lazy_init:
            self.full_init()

    def full_init(self) -> None:
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(getattr(self.dataset, 'metainfo', {}))

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, key: Union[int, Tuple[int, int]]):
        if isinstance(key, tuple):
            index, seed = key
            with seeded_rng(seed):
                return self.dataset[index]
        return self.dataset[key]

    def __getattr__(self, name):  # the wrapped dataset's attributes (data_root, pipeline, ...)
        if name == 'dataset':
            raise AttributeError(name)
        return getattr(self.dataset, name)


@DATA_SAMPLERS.register_module()
class ResumableSampler(DefaultSampler):
    """:class:`mmengine.dataset.DefaultSampler` that can start an epoch part-way and seeds each sample.

    Same order, sharding (rank ``r`` takes positions ``r, r + world, ...``) and ``round_up`` as DefaultSampler.
    Over a :class:`SeededDataset` it yields ``(index, sample_seed(seed, epoch, index))``; over any other dataset
    plain indices (order exact on resume, augmentation not: a warning says so).
    ``skip_next(n)`` makes the next iteration start after this rank's first ``n`` samples (used by
    :class:`ResumableEpochBasedTrainLoop` to resume mid-epoch without loading the skipped data).
    """

    def __init__(self, dataset, shuffle: bool = True, seed: Optional[int] = None, round_up: bool = True):
        super().__init__(dataset, shuffle=shuffle, seed=seed, round_up=round_up)
        self.seeded = isinstance(dataset, SeededDataset)
        self._skip = 0
        if not self.seeded:
            print_log(f'ResumableSampler over {type(dataset).__name__}: wrap the dataset in '
                      "dict(type='SeededDataset', dataset=...) for augmentations that survive a resume",
                      logger='current', level=30)

    def skip_next(self, num_samples: int) -> None:
        if not 0 <= num_samples <= self.num_samples:
            raise ValueError(f'skip_next({num_samples}): this rank has {self.num_samples} samples per epoch')
        self._skip = num_samples

    def __iter__(self) -> Iterator[Union[int, Tuple[int, int]]]:
        indices: Sequence[int] = list(super().__iter__())[self._skip:]
        self._skip = 0
        if not self.seeded:
            return iter(indices)
        # Seeds are made as the loader asks for indices (~7 us each): computing a whole ImageNet epoch's up
        # front would hold the first batch back by seconds.
        seed, epoch = self.seed, self.epoch
        return ((i, sample_seed(seed, epoch, i)) for i in indices)
