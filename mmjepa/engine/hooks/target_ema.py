# Copyright (c) mmjepa contributors. All rights reserved.
"""The EMA update of a JEPA target right after each optimizer step, as the official I-JEPA code makes it."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ...models.algorithms.base import optimizer_stepped
from .fsdp_ema import fsdp_update_target, is_fsdp


def update_target_after_step(model, optim_wrapper) -> bool:
    """After ``model.train_step(data, optim_wrapper)`` of a JEPA ``model`` (plain, DDP- or FSDP-wrapped): make
    the EMA update due after that step's optimizer step, or drop it when the optimizer did not step (gradient
    accumulation). Idempotent: the unwrapped model's ``train_step`` has already made it. Returns whether an
    update was made here."""
    jepa = model.module if is_model_wrapper(model) else model
    if not optimizer_stepped(optim_wrapper):
        jepa.skip_target_update()
        return False
    if is_fsdp(model):
        return fsdp_update_target(model)
    return jepa.update_target()


@HOOKS.register_module()
class TargetEMAHook(Hook):
    """Make the JEPA model's EMA update right after each training iteration's optimizer step
    (:func:`update_target_after_step`), so that the target the checkpoint hooks, the collapse monitor and the
    end of training see is the official code's for that step. Priority ``VERY_HIGH``: before every other
    ``after_train_iter`` hook. Under FSDP it also keeps ``loss`` from making the update inside the forward.
    A no-op for models without an EMA target."""

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        if is_fsdp(runner.model) and hasattr(runner.model.module, 'update_target'):
            runner.model.module.ema_in_forward = False

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        model = runner.model
        if hasattr(model.module if is_model_wrapper(model) else model, 'update_target'):
            update_target_after_step(model, runner.optim_wrapper)
