# Copyright (c) mmjepa contributors. All rights reserved.
"""bfloat16 autocast without loss scaling, on any device (CPU included).

mmengine's ``AmpOptimWrapper(dtype='bfloat16')`` keeps a dynamic ``GradScaler``: every step it unscales the
gradients, checks them for inf/NaN and reads that check on the host (``GradScaler.step`` calls ``.item()``), a
device-to-host synchronisation per step; and it refuses to run on a CPU. bfloat16 has float32's exponent range,
so its gradients need no loss scaling (PyTorch's AMP notes). :class:`BF16OptimWrapper` only adds the autocast
region: parameters, gradients and optimizer states stay float32, matmuls and attention run in bfloat16.

Difference from the official I-JEPA code (bf16 autocast with a ``GradScaler``): a step whose gradients are not
finite is not skipped. mmjepa's ``NonFiniteLossHook`` stops the run at the first non-finite loss instead, before
any checkpoint of it is written. ``AmpOptimWrapper`` stays available for the official behaviour (GPU only).
"""
from contextlib import contextmanager

import torch
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS
from torch import nn


@OPTIM_WRAPPERS.register_module()
class BF16OptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose ``optim_context`` runs the forward pass under ``torch.autocast(dtype=bfloat16)``
    on the device of the model's parameters (``cuda`` or ``cpu``).

    Config: ``optim_wrapper = dict(type='BF16OptimWrapper', optimizer=...)``, with every other
    ``OptimWrapper`` option (``clip_grad``, ``accumulative_counts``).
    """

    @contextmanager
    def optim_context(self, model: nn.Module):
        device_type = _device_type(model)
        with super().optim_context(model), torch.autocast(device_type=device_type, dtype=torch.bfloat16):
            yield

    def load_state_dict(self, state_dict: dict) -> None:
        """Load an optimizer state, also one saved by ``AmpOptimWrapper`` (its ``loss_scaler`` entry has no
        use here and is dropped with a log line)."""
        if 'loss_scaler' in state_dict:
            state_dict = dict(state_dict)
            state_dict.pop('loss_scaler')
            print_log('BF16OptimWrapper: dropped the loss-scaler state of an AmpOptimWrapper checkpoint '
                      '(bf16 needs no loss scaling)', logger='current')
        super().load_state_dict(state_dict)


def _device_type(model: nn.Module) -> str:
    """'cuda' or 'cpu': where the model's parameters are (the wrapped module for DDP)."""
    for param in model.parameters():
        if param.device.type not in ('cuda', 'cpu'):
            raise ValueError(f'BF16OptimWrapper runs on cuda or cpu; the model is on {param.device.type}')
        return param.device.type
    raise ValueError('BF16OptimWrapper: the model has no parameters, so its device is unknown')
