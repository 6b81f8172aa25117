# Copyright (c) mmjepa contributors. All rights reserved.
"""Forward and reverse accuracy per probe of the knowledge base."""
from typing import Dict, List, Sequence

from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from .kb import PROBES


@METRICS.register_module()
class ReversalAccuracy(BaseMetric):
    """Top-1 accuracy (%) of the predicted tail entity, per probe: ``A`` (group A, both directions trained),
    ``B_forward`` (group B, the trained direction) and ``B_reverse`` (group B, the held-out reverse direction).

    The model's ``predict`` returns one dict per fact with ``probe`` (index into :data:`.kb.PROBES`), ``pred``
    (predicted entity, -1 for a name that is no entity) and ``target``.
    """
    default_prefix = 'kb'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append((int(sample['probe']), int(sample['pred']) == int(sample['target'])))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        metrics = {}
        for index, name in enumerate(PROBES):
            hits = [correct for probe, correct in results if probe == index]
            if hits:
                metrics[f'{name}_acc'] = 100. * sum(hits) / len(hits)
        if not metrics:
            raise ValueError('ReversalAccuracy got no results with a probe index in 0..2: the val dataloader '
                             "must use ReversalFactDataset(split='probe')")
        return metrics
