# Copyright (c) mmjepa contributors. All rights reserved.
"""Stop training on the first NaN/Inf loss, before any checkpoint of the broken state is written."""
import logging
import math
import os.path as osp
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.hooks.hook import DATA_BATCH
from mmengine.logging import print_log
from mmengine.registry import HOOKS


def _is_finite(value) -> bool:
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value.detach()).all())
    return all(math.isfinite(float(v)) for v in (value if isinstance(value, (list, tuple)) else [value]))


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raise :class:`FloatingPointError` when a loss of a training step is NaN or Inf, before any checkpoint of
    the broken state is written.

    After every training iteration it records, on the device, whether an entry of the step's log vars
    (``outputs``) whose key starts with ``'loss'`` is non-finite, and keeps the iteration and the values of the
    first such step: no host synchronisation. The host reads that record (one synchronisation, plus one
    all-reduce of the verdict in distributed runs, so every rank stops together and none goes on to save)
    every ``interval`` iterations and **after every iteration that a checkpoint save follows** (an iteration
    checkpoint of a ``CheckpointHook``, the last iteration of an epoch), on every rank, and raises if a step was
    bad; ``before_save_checkpoint`` (mmengine calls it on the main process only) reads it once more, locally; the message names that step, not the one where it was read. So no
    checkpoint of diverged weights is written whatever the interval, and the last one saved (named in the
    message, from ``<work_dir>/last_checkpoint``) is left intact to resume from. Its priority (``ABOVE_NORMAL``)
    also puts the per-iteration check before :class:`CheckpointHook` (``VERY_LOW``).

    Args:
        interval (int): Read the record every this many iterations (and before every save). 1 reads it every
            iteration (a host synchronisation per step); the pretraining runtime uses its logging interval,
            whose loss the logger reads anyway. Defaults to 1.
    """
    priority = 'ABOVE_NORMAL'

    def __init__(self, interval: int = 1):
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'NonFiniteLossHook interval={interval!r} must be a positive integer '
                             '(custom_hooks: dict(type="NonFiniteLossHook", interval=...))')
        self.interval = interval
        self._first: Optional[torch.Tensor] = None  # device: index in _pending of the first bad step, or -1
        self._values: Dict[str, torch.Tensor] = {}  # device: each loss at that step
        self._host_first: Optional[int] = None  # the same for losses logged as Python numbers or lists
        self._host_values: dict = {}
        self._pending: List[Tuple[int, int]] = []  # (iteration, epoch), 1-based, of the steps not yet read

    def after_train_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        self.record(runner, {k: v for k, v in (outputs or {}).items() if k.startswith('loss')})
        if (runner.iter + 1) % self.interval == 0 or self._save_follows(runner, batch_idx):
            self.check(runner)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # mmengine's save_checkpoint runs on the main process only: no collective here (the other ranks would not
        # join it). In distributed runs the iteration checked with every rank just before (_save_follows).
        self.check(runner, collective=False)

    @staticmethod
    def _save_follows(runner, batch_idx: int) -> bool:
        """Whether a checkpoint is saved after this iteration: a ``CheckpointHook`` by iteration, or the end of an
        epoch (epoch checkpoints)."""
        from mmengine.hooks import CheckpointHook
        done = runner.iter + 1
        for hook in getattr(runner, 'hooks', ()):
            if isinstance(hook, CheckpointHook) and not hook.by_epoch and hook.interval > 0 and (
                    done % hook.interval == 0 or (hook.save_last and done == getattr(runner, 'max_iters', None))):
                return True
        dataloader = getattr(getattr(runner, 'train_loop', None), 'dataloader', None)
        length = len(dataloader) if dataloader is not None and hasattr(dataloader, '__len__') else 0
        return length > 0 and (batch_idx + 1) % length == 0

    def record(self, runner, losses: dict) -> None:
        """Note this step's losses: scalar tensors on their device (no synchronisation), others on the host."""
        index = len(self._pending)
        self._pending.append((runner.iter + 1, runner.epoch + 1))
        scalars = {k: v.detach().reshape(()) for k, v in losses.items()
                   if isinstance(v, torch.Tensor) and v.numel() == 1}
        others = {k: v for k, v in losses.items() if k not in scalars}
        if self._host_first is None and not all(_is_finite(v) for v in others.values()):
            self._host_first, self._host_values = index, dict(others)
        if not scalars:
            return
        device = next(iter(scalars.values())).device
        if self._first is None:
            self._first = torch.full((), -1, dtype=torch.long, device=device)
        bad = torch.stack([~torch.isfinite(v) for v in scalars.values()]).any()
        new = bad & (self._first < 0)
        self._first.copy_(torch.where(new, index, self._first))  # in place: no new tensor per step
        for key, value in scalars.items():
            stored = self._values.setdefault(key, torch.zeros((), device=device))
            stored.copy_(torch.where(new, value.float(), stored))

    def check(self, runner, collective: bool = True) -> None:
        """Read the record (one host synchronisation; an all-reduce when distributed and ``collective``); raise if
        a step was bad."""
        first = self._host_first
        if self._first is not None:
            device_first = int(self._first)
            if device_first >= 0 and (first is None or device_first < first):
                first = device_first
        stop = first is not None
        if collective and get_world_size() > 1:  # a NaN on any rank stops them all, so none goes on to a save
            flag = torch.tensor(float(stop))
            all_reduce(flag)
            stop = float(flag) > 0
        if first is None:
            bad, (iteration, epoch) = {}, self._pending[-1] if self._pending else (runner.iter + 1, runner.epoch + 1)
        else:
            iteration, epoch = self._pending[first]
            values = self._host_values if first == self._host_first else \
                {key: value.cpu() for key, value in self._values.items()}
            bad = {key: value for key, value in values.items() if not _is_finite(value)}
        self._clear()
        if not stop:
            return
        message = self.message(runner, bad, iteration, epoch)
        print_log(message, logger='current', level=logging.ERROR)  # in the run's log file, not only on stderr
        raise FloatingPointError(message)

    def _clear(self) -> None:
        """Start a new record (after it was read)."""
        self._pending.clear()
        self._host_first, self._host_values = None, {}
        if self._first is not None:
            self._first.fill_(-1)

    @staticmethod
    def message(runner, bad: dict, iteration: int, epoch: int) -> str:
        """The error text: the bad values, where, and the checkpoint to resume from."""
        values = ', '.join(f'{key}={_describe(value)}' for key, value in bad.items()) or \
            'a non-finite loss on another rank'
        last = osp.join(runner.work_dir, 'last_checkpoint')
        if osp.isfile(last):
            with open(last) as f:
                path = f.read().strip()
            saved = f'The last good checkpoint is {path}' + ('' if osp.exists(path) else ' (file not found)')
        else:
            saved = f'No checkpoint was saved before this iteration ({last} does not exist)'
        return (f'Non-finite loss at iteration {iteration} (epoch {epoch}): {values}. '
                f'Training stopped; no checkpoint of this state was written. {saved}. Fix the cause (e.g. a lower '
                'lr, gradient clipping via optim_wrapper.clip_grad, fp32 instead of --amp) and restart'
                + (' with --resume.' if osp.isfile(last) else '.'))


def _describe(value) -> str:
    if isinstance(value, torch.Tensor):
        value = value.detach().float()
        return f'{value.item():g}' if value.numel() == 1 else str(value.cpu().tolist())
    return str(value)
