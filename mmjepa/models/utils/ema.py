# Copyright (c) mmjepa contributors. All rights reserved.
"""Exponential moving average of parameters, as the EMA target encoders of the JEPA family use it."""
from typing import Iterable

import torch
from torch import nn


def linear_momentum(step: int, total_steps: int, start: float, end: float) -> float:
    """I-JEPA's momentum schedule: linear from ``start`` at step 0 to ``end`` at ``total_steps``."""
    if total_steps <= 0:
        raise ValueError(f'total_steps must be positive, got {total_steps}')
    return start + min(step, total_steps) * (end - start) / total_steps


@torch.no_grad()
def ema_update_(targets: Iterable[nn.Module], onlines: Iterable[nn.Module], momentum: float) -> None:
    """``target <- momentum * target + (1 - momentum) * online`` for every parameter, fused per dtype/device.

    Buffers are copied (the ViT backbones have none that learn). Parameter lists must match one to one.
    """
    target_params, online_params = [], []
    for target, online in zip(targets, onlines):
        t_params, o_params = list(target.parameters()), list(online.parameters())
        if len(t_params) != len(o_params):
            raise ValueError('EMA target and online modules have different parameter lists')
        target_params += t_params
        online_params += o_params
        for t_buf, o_buf in zip(target.buffers(), online.buffers()):
            t_buf.copy_(o_buf)
    if target_params:
        torch._foreach_lerp_(target_params, online_params, 1.0 - momentum)
