# Copyright (c) mmjepa contributors. All rights reserved.
"""Parameter schedulers with the exact semantics of the official JEPA code."""
import math

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler
from mmengine.registry import PARAM_SCHEDULERS


class WarmupCosineParamScheduler(_ParamScheduler):
    """Linear warm-up from ``start_factor`` x base value to the base value, then cosine to ``eta_min``.

    Closed form of I-JEPA's ``WarmupCosineSchedule``: at step ``t`` (counted from ``begin``) the value is
    ``start + t (base - start) / warmup`` while ``t < warmup``, then
    ``eta_min + (base - eta_min) (1 + cos(pi (t - warmup) / (T - warmup))) / 2`` with ``T = end - begin``.
    (mmengine's LinearLR + CosineAnnealingLR chain reaches the base value one step early and continues the
    cosine from there, so it is off by one step.)

    Args:
        optimizer: Wrapped optimizer.
        param_name (str): Scheduled parameter of the param groups.
        start_factor (float): Value at step 0 relative to the base value.
        warmup (int): Warm-up length, in the scheduler's unit (epochs with ``by_epoch=True``).
        eta_min (float): Final value.
    """

    def __init__(self, optimizer, param_name: str, start_factor: float, warmup: int, eta_min: float = 0.,
                 begin: int = 0, end: int = INF, last_step: int = -1, by_epoch: bool = True, verbose=False):
        if end == INF:
            raise ValueError('WarmupCosine schedulers need a finite `end`')
        if not 0 <= warmup < end - begin:
            raise ValueError(f'warmup={warmup} must lie in [0, end - begin = {end - begin})')
        self.start_factor, self.warmup, self.eta_min = start_factor, warmup, eta_min
        super().__init__(optimizer, param_name, begin=begin, end=end, last_step=last_step, by_epoch=by_epoch,
                         verbose=verbose)

    @classmethod
    def build_iter_from_epoch(cls, *args, warmup, begin=0, end=INF, by_epoch=True, epoch_length=None, **kwargs):
        """Build an iteration-based scheduler from epoch-based ``warmup``/``begin``/``end``."""
        if not by_epoch or not epoch_length:
            raise ValueError('build_iter_from_epoch needs by_epoch=True and a positive epoch_length')
        end = end if end == INF else int(end * epoch_length)
        return cls(*args, warmup=int(warmup * epoch_length), begin=int(begin * epoch_length), end=end,
                   by_epoch=False, **kwargs)

    def _get_value(self):
        t = self.last_step - self.begin
        values = []
        for base in self.base_values:
            if t < self.warmup:
                start = base * self.start_factor
                values.append(start + t * (base - start) / self.warmup)
            else:
                progress = (t - self.warmup) / (self.end - self.begin - self.warmup)
                values.append(self.eta_min + (base - self.eta_min) * 0.5 * (1. + math.cos(math.pi * progress)))
        return values


@PARAM_SCHEDULERS.register_module()
class WarmupCosineLR(LRSchedulerMixin, WarmupCosineParamScheduler):
    """:class:`WarmupCosineParamScheduler` for the learning rate (I-JEPA: 2e-4 -> 1e-3 -> 1e-6)."""
