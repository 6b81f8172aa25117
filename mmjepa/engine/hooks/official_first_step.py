# Copyright (c) mmjepa contributors. All rights reserved.
"""The first optimizer step of the official T-JEPA code (``jose-melo/t-jepa``), reproduced on request.

The official ``init_optim`` builds ``torch.optim.AdamW(param_groups)`` without a learning rate and the
training loop steps its warm-up and weight-decay schedulers *after* each optimizer step, so step 0 runs at
AdamW's defaults, lr 1e-3 and weight decay 1e-2 (on the groups that decay: parameters that are not 1-D and
whose name holds no ``bias``), whatever the configured schedule; from step 1 on the schedules hold. mmjepa
judges this a bug and starts at the schedule's own step-0 value (lr 0, configs/tjepa/README.md); this hook
reproduces the official step.
"""
from typing import Dict, List, Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


def decayed_groups(optimizer: torch.optim.Optimizer, named_parameters) -> List[bool]:
    """Per param group of ``optimizer``: whether the official ``init_optim`` decays its parameters (not 1-D,
    no ``bias`` in the name). A group that mixes both kinds is an error: split the groups with
    ``optim_wrapper.paramwise_cfg`` (any non-empty one gives every parameter its own group)."""
    names = {id(p): n for n, p in named_parameters}
    flags = []
    for i, group in enumerate(optimizer.param_groups):
        kinds = {'bias' not in names.get(id(p), '') and p.ndim != 1 for p in group['params']}
        if len(kinds) > 1:
            raise ValueError(f'OfficialFirstStepHook: optimizer param group {i} mixes parameters the official code '
                             'decays and parameters it does not; set optim_wrapper.paramwise_cfg (e.g. '
                             'dict(bias_decay_mult=0., norm_decay_mult=0., flat_decay_mult=0.)) to split them')
        flags.append(kinds == {True})
    return flags


def set_first_step(optimizer: torch.optim.Optimizer, named_parameters, lr: float = 1e-3,
                   weight_decay: float = 1e-2) -> List[Dict[str, float]]:
    """Set the official step-0 values (``lr`` on every group, ``weight_decay`` on the decayed ones); returns the
    values they replace, for :func:`restore_values`."""
    saved = [dict(lr=g['lr'], weight_decay=g['weight_decay']) for g in optimizer.param_groups]
    for group, decays in zip(optimizer.param_groups, decayed_groups(optimizer, named_parameters)):
        group['lr'] = lr
        group['weight_decay'] = weight_decay if decays else 0.
    return saved


def restore_values(optimizer: torch.optim.Optimizer, saved: List[Dict[str, float]]) -> None:
    for group, values in zip(optimizer.param_groups, saved):
        group.update(values)


@HOOKS.register_module()
class OfficialFirstStepHook(Hook):
    """Run training iteration 0 at the official T-JEPA first step's ``lr`` and ``weight_decay`` (AdamW's
    defaults; see the module docstring), then give the schedules back their values before they step.

    Priority ``NORMAL``: its ``after_train_iter`` runs before the ``ParamSchedulerHook`` (``LOW``) steps.
    A resumed run past iteration 0 is left alone.

    Args:
        lr (float): Learning rate of step 0. Defaults to 1e-3 (AdamW's default).
        weight_decay (float): Weight decay of step 0 on the decayed groups. Defaults to 1e-2 (AdamW's default).
    """
    priority = 'NORMAL'

    def __init__(self, lr: float = 1e-3, weight_decay: float = 1e-2):
        self.lr, self.weight_decay = lr, weight_decay
        self._saved: Optional[List[Dict[str, float]]] = None

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if runner.iter != 0:
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        self._saved = set_first_step(runner.optim_wrapper.optimizer, model.named_parameters(), self.lr,
                                     self.weight_decay)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self._saved is not None:
            restore_values(runner.optim_wrapper.optimizer, self._saved)
            self._saved = None
