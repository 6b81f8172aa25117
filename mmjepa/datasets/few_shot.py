# Copyright (c) mmjepa contributors. All rights reserved.
"""A dataset wrapper that keeps K labelled samples per class: the few-shot protocol of SAR-JEPA
(https://arxiv.org/abs/2311.15153), 10 / 20 / 40 labels per class for fine-tuning and linear probing.

The official code (Dassl's ``generate_fewshot_dataset``) draws ``random.sample(items, K)`` per class from
Python's global RNG and silently keeps all samples of a class that has fewer than K. Here the draw of class
``c`` is a permutation keyed by ``(seed, c)`` alone, and the first K of it are kept: the subset does not depend
on the other classes, on the process' RNG state or on K beyond the prefix, so the 10-shot subset of a seed is
part of its 20-shot subset, which is part of its 40-shot one. A class with fewer than K samples is an error.
"""
import copy
from typing import List, Optional, Sequence, Union

import numpy as np
from mmpretrain.registry import DATASETS


def few_shot_indices(labels: Sequence[int], shots_per_class: int, seed: int = 0, num_classes: Optional[int] = None,
                     class_names: Optional[Sequence[str]] = None, source: str = 'the dataset') -> np.ndarray:
    """Indices (ascending) of ``shots_per_class`` samples of every class of ``labels``.

    Every class ``0 .. num_classes - 1`` (default: the labels present) must have at least ``shots_per_class``
    samples; the error names the first class that has fewer (by ``class_names`` when given) and ``source``.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or (labels.size and not np.issubdtype(labels.dtype, np.integer)):
        raise ValueError(f'FewShotDataset: {source} must have one integer label per sample (single-label '
                         f'classification), got labels of shape {labels.shape} and dtype {labels.dtype}')
    if labels.size and labels.min() < 0:
        raise ValueError(f'FewShotDataset: {source} has a negative label ({labels.min()}); every sample needs a '
                         'class label (gt_label) for few-shot selection')
    classes = range(num_classes) if num_classes is not None else np.unique(labels).tolist()
    if num_classes is not None and labels.size and labels.max() >= num_classes:
        raise ValueError(f'FewShotDataset: {source} has label {labels.max()} but only {num_classes} classes')
    chosen = []
    for label in classes:
        members = np.flatnonzero(labels == label)
        if len(members) < shots_per_class:
            name = class_names[label] if class_names is not None and label < len(class_names) else None
            what = f'class {name!r} (label {label})' if name is not None else f'class label {label}'
            raise ValueError(f'FewShotDataset: {what} of {source} has {len(members)} sample(s), fewer than '
                             f'shots_per_class={shots_per_class}; lower shots_per_class or add samples of that class')
        order = np.random.default_rng([int(seed), int(label)]).permutation(len(members))
        chosen.append(members[order[:shots_per_class]])
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)


@DATASETS.register_module()
class FewShotDataset:
    """Keep exactly ``shots_per_class`` samples of every class of a classification dataset.

    Args:
        dataset (dict | Dataset): The dataset to subsample (a config is built with mmpretrain's ``DATASETS``),
            e.g. ``CustomDataset`` (class folders) or ``ImageNet``. It must give one ``gt_label`` per sample
            (``get_gt_labels()``, else ``get_cat_ids(i)``); its ``metainfo['classes']``, when present, is the
            list of classes that must all have enough samples.
        shots_per_class (int): Labelled samples kept per class (SAR-JEPA: 10, 20 or 40).
        seed (int): Seed of the selection; the same seed keeps the same samples (and the K-shot subset is
            contained in the K'-shot subset of the same seed for K < K'). Defaults to 0.
        lazy_init (bool): Defer building the index until :meth:`full_init`. Defaults to False.

    ``metainfo``, ``CLASSES``, ``get_gt_labels`` and ``get_cat_ids`` answer for the kept samples; other
    attributes (``data_root``, ``pipeline``, ...) are the wrapped dataset's.
    """

    def __init__(self, dataset: Union[dict, object], shots_per_class: int, seed: int = 0,
                 lazy_init: bool = False) -> None:
        if isinstance(shots_per_class, bool) or not isinstance(shots_per_class, (int, np.integer)) \
                or shots_per_class < 1:
            raise ValueError(f'FewShotDataset: shots_per_class must be a positive integer, got {shots_per_class!r}')
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f'FewShotDataset: seed must be a non-negative integer, got {seed!r}')
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.shots_per_class, self.seed = int(shots_per_class), int(seed)
        self.indices: Optional[np.ndarray] = None
        self._labels: Optional[np.ndarray] = None
        if not lazy_init:
            self.full_init()

    def _all_labels(self) -> np.ndarray:
        if hasattr(self.dataset, 'get_gt_labels'):
            return np.asarray(self.dataset.get_gt_labels())
        if hasattr(self.dataset, 'get_cat_ids'):
            ids = [self.dataset.get_cat_ids(i) for i in range(len(self.dataset))]
            if any(len(i) != 1 for i in ids):
                raise ValueError(f'FewShotDataset: {self._source()} has samples with no or several labels; '
                                 'few-shot selection needs exactly one class per sample')
            return np.array([i[0] for i in ids], dtype=np.int64)
        raise TypeError(f'FewShotDataset: {type(self.dataset).__name__} has neither get_gt_labels() nor '
                        'get_cat_ids(idx); wrap a classification dataset (e.g. CustomDataset, ImageNet)')

    def _source(self) -> str:
        where = [f'{k}={getattr(self.dataset, k)!r}' for k in ('data_root', 'data_prefix', 'ann_file')
                 if getattr(self.dataset, k, None)]
        return f'{type(self.dataset).__name__}' + (f' ({", ".join(where)})' if where else '')

    def full_init(self) -> None:
        """Initialise the wrapped dataset and choose the kept samples (once)."""
        if self.indices is not None:
            return
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        labels = self._all_labels()
        classes = self.CLASSES
        self.indices = few_shot_indices(labels, self.shots_per_class, self.seed,
                                        num_classes=len(classes) if classes is not None else None,
                                        class_names=classes, source=self._source())
        self._labels = labels[self.indices]

    def _checked(self) -> np.ndarray:
        if self.indices is None:
            raise RuntimeError('FewShotDataset was built with lazy_init=True; call full_init() first')
        return self.indices

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(getattr(self.dataset, 'metainfo', {}))

    @property
    def CLASSES(self) -> Optional[Sequence[str]]:  # noqa: N802 (mmpretrain's name)
        classes = self.metainfo.get('classes')
        return tuple(classes) if classes is not None else None

    def get_gt_labels(self) -> np.ndarray:
        """The labels of the kept samples, in order."""
        self._checked()
        return self._labels.copy()

    def get_cat_ids(self, idx: int) -> List[int]:
        return [int(self._labels[idx])] if self._labels is not None else self.dataset.get_cat_ids(
            int(self._checked()[idx]))

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(int(self._checked()[idx]))

    def __len__(self) -> int:
        return len(self._checked())

    def __getitem__(self, idx: int):
        return self.dataset[int(self._checked()[idx])]

    def __getattr__(self, name):  # the wrapped dataset's attributes (data_root, pipeline, ...)
        if name in ('dataset', 'indices', '_labels'):
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def __repr__(self) -> str:
        kept = f'{len(self.indices)} samples' if self.indices is not None else 'not initialised'
        return (f'FewShotDataset(shots_per_class={self.shots_per_class}, seed={self.seed}, {kept} of '
                f'{self._source()})')
