# Copyright (c) mmjepa contributors. All rights reserved.
"""A seeded fraction of a labelled 3-D detection set: the label-efficiency protocol of AD-L-JEPA
(https://arxiv.org/abs/2501.04969): a detector fine-tuned on 5 / 20 / 50 % of the KITTI train scans."""
from typing import Optional, Union

import numpy as np
from mmdet3d.registry import DATASETS


@DATASETS.register_module()
class LabelFractionDataset:
    """Keep ``round(fraction * N)`` scans (at least one) of ``dataset``, drawn by ``seed``.

    The draw is one seeded permutation of the scans, cut at the fraction: the same seed keeps the same scans, and
    a smaller fraction keeps a subset of a larger one, so the label-efficiency curve of one seed is nested.

    Args:
        dataset (dict | Dataset): The labelled set (e.g. mmdet3d's ``KittiDataset``), built in mmdet3d's registry.
        fraction (float): Share of the scans kept, in (0, 1].
        seed (int): Seed of the draw. Defaults to 0.
        lazy_init (bool): Defer the draw until :meth:`full_init`. Defaults to False.
    """

    def __init__(self, dataset: Union[dict, object], fraction: float, seed: int = 0, lazy_init: bool = False):
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction <= 1:
            raise ValueError(f'LabelFractionDataset: fraction must be in (0, 1], got {fraction!r} (20 % is 0.2)')
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f'LabelFractionDataset: seed must be a non-negative integer, got {seed!r}')
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.fraction, self.seed = float(fraction), int(seed)
        self.indices: Optional[np.ndarray] = None
        if not lazy_init:
            self.full_init()

    def full_init(self) -> None:
        if self.indices is not None:
            return
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        total = len(self.dataset)
        if total == 0:
            raise ValueError('LabelFractionDataset: the wrapped dataset is empty (check its ann_file)')
        keep = max(1, int(round(self.fraction * total)))
        order = np.random.default_rng([self.seed, 3]).permutation(total)
        self.indices = np.sort(order[:keep])

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def __len__(self) -> int:
        self.full_init()
        return len(self.indices)

    def __getitem__(self, index: int):
        self.full_init()
        return self.dataset[int(self.indices[index])]

    def get_data_info(self, index: int) -> dict:
        self.full_init()
        return self.dataset.get_data_info(int(self.indices[index]))
