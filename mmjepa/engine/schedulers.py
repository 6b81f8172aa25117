# Copyright (c) mmjepa contributors. All rights reserved.
"""Parameter schedulers with the exact semantics of the official JEPA code."""
import math
from typing import Optional

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin, OneCycleLR
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler
from mmengine.registry import PARAM_SCHEDULERS

TIMINGS = ('official', 'mmengine', 'ecgjepa')


class WarmupCosineParamScheduler(_ParamScheduler):
    """Linear warm-up from ``start_factor`` x base value to the base value, then cosine to ``eta_min``.

    Closed form of I-JEPA's ``WarmupCosineSchedule`` (and, without warm-up, of its ``CosineWDSchedule``):
    at schedule position ``t`` the value is ``start + t (base - start) / warmup`` while ``t < warmup``, then
    ``eta_min + (base - eta_min) (1 + cos(pi (t - warmup) / (T - warmup))) / 2`` with ``T = end - begin``.
    (mmengine's LinearLR + CosineAnnealingLR chain reaches the base value one step early and continues the
    cosine from there, so it is off by one step.)

    ``timing`` says which position iteration ``i`` (counted from ``begin``) uses. ``'official'`` (default):
    ``t = i + 1``, as the official schedulers, which step *before* each iteration (its first iteration already
    runs at ``start + (base - start) / warmup``, the last one at ``eta_min``). ``'mmengine'``: ``t = i``, the
    convention of mmengine's schedulers, which step after each iteration (one iteration behind the official
    curves). ``'ecgjepa'``: the official ECG-JEPA ``cosine_schedule`` (`kweimann/ECG-JEPA`): ``t = i`` and the
    cosine spans ``max(1, T - warmup - 1)`` positions, so its last iteration runs at ``eta_min``.

    ``accumulative_counts`` (``k``, the optimizer wrapper's gradient accumulation): ``begin``, ``end`` and
    ``warmup`` stay in iterations, the schedule runs on optimizer steps: iteration ``i`` takes position
    ``i // k`` of a schedule ``(end - begin) // k`` long with ``warmup // k`` warm-up steps, so both forwards
    of a step see the official step's value (ECG-JEPA ViT-B: 512 x 2 accumulation).

    Args:
        optimizer: Wrapped optimizer.
        param_name (str): Scheduled parameter of the param groups.
        start_factor (float): Value at ``t = 0`` relative to the base value. Defaults to 1 (no warm-up ramp).
        warmup (int): Warm-up length, in the scheduler's unit (epochs with ``by_epoch=True``). Defaults to 0.
        eta_min (float, optional): Final value. Defaults to 0 unless ``eta_min_ratio`` is given.
        eta_min_ratio (float, optional): Final value relative to each group's base value (weight decay
            0.04 -> 0.4 is ``eta_min_ratio=10``; groups without decay stay at 0).
        timing (str): ``'official'``, ``'mmengine'`` or ``'ecgjepa'``, see above. Defaults to ``'official'``.
        accumulative_counts (int): Iterations per optimizer step, see above. Defaults to 1.
    """

    def __init__(self, optimizer, param_name: str, start_factor: float = 1., warmup: int = 0,
                 eta_min: Optional[float] = None, eta_min_ratio: Optional[float] = None, timing: str = 'official',
                 accumulative_counts: int = 1, begin: int = 0, end: int = INF, last_step: int = -1,
                 by_epoch: bool = True, verbose=False):
        if end == INF:
            raise ValueError('WarmupCosine schedulers need a finite `end`')
        if not 0 <= warmup < end - begin:
            raise ValueError(f'warmup={warmup} must lie in [0, end - begin = {end - begin})')
        if eta_min is not None and eta_min_ratio is not None:
            raise ValueError('Give eta_min or eta_min_ratio, not both')
        if timing not in TIMINGS:
            raise ValueError(f'timing={timing!r} must be one of {TIMINGS}')
        if int(accumulative_counts) != accumulative_counts or accumulative_counts < 1:
            raise ValueError(f'accumulative_counts={accumulative_counts} must be a positive integer')
        self.start_factor, self.eta_min, self.eta_min_ratio = start_factor, eta_min, eta_min_ratio
        self.accumulative_counts = int(accumulative_counts)
        self.warmup = warmup // self.accumulative_counts
        self.steps = (end - begin) // self.accumulative_counts
        self.offset = 1 if timing == 'official' else 0
        # positions the cosine spans after the warm-up
        self.cosine_span = max(1, self.steps - self.warmup - 1) if timing == 'ecgjepa' else self.steps - self.warmup
        super().__init__(optimizer, param_name, begin=begin, end=end, last_step=last_step, by_epoch=by_epoch,
                         verbose=verbose)

    @classmethod
    def build_iter_from_epoch(cls, *args, warmup=0, begin=0, end=INF, by_epoch=True, epoch_length=None, **kwargs):
        """Build an iteration-based scheduler from epoch-based ``warmup``/``begin``/``end``."""
        if not by_epoch or not epoch_length:
            raise ValueError('build_iter_from_epoch needs by_epoch=True and a positive epoch_length')
        end = end if end == INF else int(end * epoch_length)
        return cls(*args, warmup=int(warmup * epoch_length), begin=int(begin * epoch_length), end=end,
                   by_epoch=False, **kwargs)

    def _final(self, base: float) -> float:
        if self.eta_min_ratio is not None:
            return base * self.eta_min_ratio
        return 0. if self.eta_min is None else self.eta_min

    def _get_value(self):
        t = (self.last_step - self.begin) // self.accumulative_counts + self.offset
        values = []
        for base in self.base_values:
            if t < self.warmup:
                start = base * self.start_factor
                values.append(start + t * (base - start) / self.warmup)
            else:
                final = self._final(base)
                progress = (t - self.warmup) / self.cosine_span
                values.append(final + (base - final) * 0.5 * (1. + math.cos(math.pi * progress)))
        return values


@PARAM_SCHEDULERS.register_module()
class WarmupCosineLR(LRSchedulerMixin, WarmupCosineParamScheduler):
    """:class:`WarmupCosineParamScheduler` for the learning rate (I-JEPA: 2e-4 -> 1e-3 -> 1e-6)."""


@PARAM_SCHEDULERS.register_module()
class CosineWeightDecay(WarmupCosineParamScheduler):
    """I-JEPA's ``CosineWDSchedule``: the weight decay of every group follows a cosine from its base value to
    ``eta_min_ratio`` x that value over ``[begin, end)`` (I-JEPA: 0.04 -> 0.4, ``eta_min_ratio=10``; groups
    without decay stay at 0), with the ``timing`` of :class:`WarmupCosineParamScheduler` (official by
    default)."""

    def __init__(self, optimizer, eta_min_ratio: float, **kwargs):
        super().__init__(optimizer, 'weight_decay', eta_min_ratio=eta_min_ratio, **kwargs)


@PARAM_SCHEDULERS.register_module()
class OneCycleLRPlainState(OneCycleLR):
    """mmengine's ``OneCycleLR`` (AD-L-JEPA's schedule, OpenPCDet's ``adam_onecycle``) whose state is plain data.

    mmengine's one-cycle scheduler keeps its annealing function as a bound method in ``__dict__`` and saves it
    with the rest of its state, so every checkpoint of a run that uses it holds a pickled method and cannot be
    read with ``torch.load(weights_only=True)`` (what mmjepa's transfers and resume use). Here the state leaves
    that attribute out (the configured ``anneal_strategy`` rebuilds it on load); the schedule is the same.
    """

    def state_dict(self) -> dict:
        return {k: v for k, v in super().state_dict().items() if k != 'anneal_func'}

    def load_state_dict(self, state_dict: dict) -> None:
        anneal = self.anneal_func
        super().load_state_dict({k: v for k, v in state_dict.items() if k != 'anneal_func'})
        self.anneal_func = anneal
