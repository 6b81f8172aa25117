# Copyright (c) mmjepa contributors. All rights reserved.
"""Stop training on the first NaN/Inf loss, before any checkpoint of the broken state is written."""
import logging
import math
import os.path as osp
from typing import Optional

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
    """Raise :class:`FloatingPointError` as soon as a loss of the training step is NaN or Inf.

    After every training iteration it checks each entry of the step's log vars (``outputs``) whose key starts
    with ``'loss'``. Its priority (``ABOVE_NORMAL``) puts it before :class:`CheckpointHook` (``VERY_LOW``),
    whose iteration-based save runs in the same ``after_train_iter`` and whose epoch-based save runs in the
    later ``after_train_epoch``: the exception ends the run first, so no checkpoint of the diverged weights
    is written and the last one saved (named in the message, from ``<work_dir>/last_checkpoint``) is left
    intact to resume from. In distributed runs the ranks agree on the verdict (one all-reduce of a flag), so
    every rank stops at the same iteration and none goes on to save.
    """
    priority = 'ABOVE_NORMAL'

    def after_train_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        bad = {key: value for key, value in (outputs or {}).items()
               if key.startswith('loss') and not _is_finite(value)}
        stop = bool(bad)
        if get_world_size() > 1:  # a NaN on any rank stops them all, so none goes on to a save
            flag = torch.tensor(float(stop))
            all_reduce(flag)
            stop = float(flag) > 0
        if not stop:
            return
        message = self.message(runner, bad)
        print_log(message, logger='current', level=logging.ERROR)  # in the run's log file, not only on stderr
        raise FloatingPointError(message)

    @staticmethod
    def message(runner, bad: dict) -> str:
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
        return (f'Non-finite loss at iteration {runner.iter + 1} (epoch {runner.epoch + 1}): {values}. '
                f'Training stopped; no checkpoint of this state was written. {saved}. Fix the cause (e.g. a lower '
                'lr, gradient clipping via optim_wrapper.clip_grad, fp32 instead of --amp) and restart'
                + (' with --resume.' if osp.isfile(last) else '.'))


def _describe(value) -> str:
    if isinstance(value, torch.Tensor):
        value = value.detach().float()
        return f'{value.item():g}' if value.numel() == 1 else str(value.cpu().tolist())
    return str(value)
