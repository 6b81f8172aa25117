# Copyright (c) mmjepa contributors. All rights reserved.
"""mmengine's default optim-wrapper constructor, with one log line for the frozen parameters.

A JEPA model holds a frozen EMA copy of its encoder (and of DMT-JEPA's heads) and fixed sin-cos position
embeddings. ``DefaultOptimWrapperConstructor`` logs a warning for every such tensor, about 150 lines for a
ViT-T demo and about 400 for ViT-H, at the start of each run. This constructor builds exactly the same
parameter groups and replaces those lines with one summary.
"""
import logging

from mmengine.logging import MMLogger, print_log
from mmengine.optim import DefaultOptimWrapperConstructor
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS

_FROZEN = 'is skipped since its requires_grad=False'


class _FrozenCounter(logging.Filter):
    """Drops the per-parameter 'requires_grad=False' records and counts them."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if _FROZEN in record.getMessage():
            self.count += 1
            return False
        return True


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class FrozenSummaryOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """``DefaultOptimWrapperConstructor`` (same ``paramwise_cfg``, same groups) that logs one line for the
    parameters with ``requires_grad=False`` instead of one warning each."""

    def __call__(self, model):
        logger = MMLogger.get_current_instance()
        counter = _FrozenCounter()
        logger.addFilter(counter)
        try:
            optim_wrapper = super().__call__(model)
        finally:
            logger.removeFilter(counter)
        if counter.count:
            frozen = [p for p in model.parameters() if not p.requires_grad]
            print_log(f'{counter.count} frozen parameter tensors ({sum(p.numel() for p in frozen) / 1e6:.2f}M '
                      'values: the EMA target, fixed position embeddings) are not optimised', logger='current')
        return optim_wrapper
