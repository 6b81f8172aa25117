# Copyright (c) mmjepa contributors. All rights reserved.
"""The facts of a :mod:`.kb` knowledge base as an mmengine data set."""
from typing import Dict

import torch
from mmpretrain.registry import DATASETS
from torch.utils.data import Dataset

from .kb import PROBES, build_kb


@DATASETS.register_module()
class ReversalFactDataset(Dataset):
    """One (head, relation, tail) fact per item, as entity and relation indices.

    Args:
        kb (dict): the arguments of :func:`.kb.build_kb`; the model of the config gets the same dict.
        split (str): ``'train'`` (the training facts) or ``'probe'`` (the evaluation facts of every probe in
            :data:`.kb.PROBES`, tagged with the probe's index).

    An item is ``dict(inputs=LongTensor([head, relation, tail]), data_samples=dict(probe=LongTensor(p)))``
    (``p = -1`` for training facts).
    """

    def __init__(self, kb: dict, split: str = 'train'):
        if split not in ('train', 'probe'):
            raise ValueError(f"split={split!r} must be 'train' or 'probe'")
        knowledge = build_kb(**kb)
        if split == 'train':
            self.facts = torch.as_tensor(knowledge.train)
            self.probe = torch.full((len(self.facts), ), -1)
        else:
            facts = [torch.as_tensor(knowledge.probes[name]) for name in PROBES]
            self.facts = torch.cat(facts)
            self.probe = torch.cat([torch.full((len(f), ), i) for i, f in enumerate(facts)])
        self.metainfo = dict(probes=PROBES, num_entities=knowledge.num_entities, kb=dict(kb))

    def __len__(self) -> int:
        return len(self.facts)

    def __getitem__(self, index: int) -> Dict:
        return dict(inputs=self.facts[index], data_samples=dict(probe=self.probe[index]))
