# Copyright (c) mmjepa contributors. All rights reserved.
"""The EMA target regime: a frozen copy of the online encoder (and of other online modules), moved towards
them after every optimizer step with a scheduled momentum, run on the full input."""
import copy
import math
import warnings
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmpretrain.registry import MODELS
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from ..utils import ema_update_, gather_tokens, linear_momentum
from .base import TargetGenerator


@MODELS.register_module()
class EMATargetGenerator(TargetGenerator):
    """Targets of `I-JEPA <https://arxiv.org/abs/2301.08243>`_: the EMA target encoder's last-layer tokens
    of the whole input, layer-normalised without affine parameters, gathered per target set.

    The algorithm builds it with its context encoder (``encoder``), of which it keeps a frozen copy; it
    owns no gradient. Other online modules whose target side must be an EMA copy (DMT-JEPA's aggregation
    head, EC-IJEPA's position conditioner) are registered with :meth:`add_mirror`; :meth:`sync` and
    :meth:`ema_step` then take ``{name: online module}`` and move every copy in one fused EMA step.

    **The regime.** The update ``θ̄ ← m θ̄ + (1 - m) θ`` (``m`` linear from ``momentum[0]`` at step 0 to
    ``momentum[1]`` at ``total_steps``) is made right after each optimizer step, as in the official code, so a
    checkpoint written after step ``k`` holds the official target of step ``k``. :meth:`end_step` leaves it
    due; :meth:`update_target` makes it (the algorithm's ``train_step`` for unwrapped models,
    :class:`mmjepa.engine.hooks.TargetEMAHook` for DDP and FSDP). A loop that calls ``loss`` itself without
    updating gets the due update at the start of the next step (:meth:`begin_step`, with a warning once);
    under FSDP (``ema_in_forward = False``) that is an error, since the update must run outside the forward.

    ``update_at='next_forward'`` is the official ECG-JEPA regime (``kweimann/ECG-JEPA``, ``JEPA.forward``): the
    update is made at the start of every forward, before the targets, with the momentum of the forward's index
    (``m(f)``, ``f`` counting forwards from 0, linear over ``total_steps``); the first forward's update is a
    no-op on equal weights, and the last optimizer step is never followed by one (a checkpoint holds the
    target the next forward would update). Under gradient accumulation every forward updates (ECG-JEPA ViT-B:
    twice per optimizer step, the momentum index advancing by two).

    Args:
        encoder (nn.Module): The context encoder to mirror.
        momentum (tuple): EMA momentum at the first and last step, linear in between. Defaults to
            (0.996, 1.0).
        total_steps (int, optional): Steps of the momentum schedule; by default the run's ``max_iters``.
        normalize (bool): Apply the non-affine LayerNorm of the official code. Defaults to True.
        batch_stats (bool): In training, run the copy's batch-norm layers on the batch statistics (train mode)
            while the rest stays deterministic, as BYOL-style ResNet targets do (seq-JEPA's official code runs
            its EMA ResNet in train mode). Defaults to False (the copy always in eval mode).
        update_at (str): ``'after_step'`` (I-JEPA, default) or ``'next_forward'`` (ECG-JEPA), see above.
        schedule (str): ``'linear'`` (I-JEPA, default: linear over the steps) or ``'epoch_cosine'`` (the official
            seq-JEPA loop: after each optimizer step the momentum is set to the epoch's
            ``end - (end - start) (cos(pi e / E) + 1) / 2``, so the update after step ``s`` uses epoch
            ``(s - 1) // steps_per_epoch``'s value, ``start`` for the whole first epoch and the next step).
        steps_per_epoch (int, optional): For ``'epoch_cosine'``; by default the run's ``max_iters / max_epochs``.
    """
    UPDATE_AT = ('after_step', 'next_forward')
    SCHEDULES = ('linear', 'epoch_cosine')
    needs_encoder = True

    def __init__(self, encoder: nn.Module, momentum: Sequence[float] = (0.996, 1.0),
                 total_steps: Optional[int] = None, normalize: bool = True, batch_stats: bool = False,
                 update_at: str = 'after_step', schedule: str = 'linear', steps_per_epoch: Optional[int] = None):
        super().__init__()
        if update_at not in self.UPDATE_AT:
            raise ValueError(f'model.target_generator.update_at={update_at!r} must be one of {self.UPDATE_AT}')
        if schedule not in self.SCHEDULES:
            raise ValueError(f'model.target_generator.schedule={schedule!r} must be one of {self.SCHEDULES}')
        self.schedule = schedule
        self.steps_per_epoch = steps_per_epoch
        self.update_at = update_at
        if len(momentum) != 2 or not 0 <= momentum[0] <= momentum[1] <= 1:
            raise ValueError(f'model.target_generator.momentum={tuple(momentum)} must be (start, end) with '
                             '0 <= start <= end <= 1')
        self.momentum = tuple(momentum)
        self.total_steps = total_steps
        self.encoder = copy.deepcopy(encoder).requires_grad_(False)
        self.normalize = normalize
        self.batch_stats = batch_stats
        self.mirrored = ['encoder']
        # Momentum of the update due after the last step's optimizer step (None: made or dropped). Not saved:
        # checkpoints are written after the update (TargetEMAHook runs before the checkpoint hooks).
        self._due_momentum: Optional[float] = None
        # Whether begin_step may make a due update itself (False under FSDP: it must run outside the forward).
        self.ema_in_forward = True
        self._warned_late = False

    # ------------------------------------------------------------------------------------------- regime
    def evaluated_encoder(self, online_encoder: nn.Module) -> nn.Module:
        """The EMA target encoder (I-JEPA's evaluation protocol)."""
        return self.encoder

    def encoders(self) -> List[nn.Module]:
        return [self.encoder]

    def schedule_steps(self) -> int:
        if self.total_steps is not None:
            return self.total_steps
        max_iters = MessageHub.get_current_instance().get_info('max_iters')
        if max_iters is None:
            raise RuntimeError('The EMA momentum schedule needs the run length: run under an mmengine Runner '
                               'or set model.target_generator.total_steps')
        return max_iters

    def epoch_length(self) -> int:
        if self.steps_per_epoch is not None:
            return self.steps_per_epoch
        hub = MessageHub.get_current_instance()
        max_iters, max_epochs = hub.get_info('max_iters'), hub.get_info('max_epochs')
        if not max_iters or not max_epochs:
            raise RuntimeError("model.target_generator.schedule='epoch_cosine' needs the epoch length: run under "
                               'an epoch-based mmengine Runner or set model.target_generator.steps_per_epoch')
        return max(max_iters // max_epochs, 1)

    def momentum_at(self, step: int) -> float:
        """EMA momentum of the update made after optimizer step ``step`` (the official generator's
        ``step``-th value: 0.996 after step 0, whatever the run length)."""
        if step == 0:
            return self.momentum[0]
        if self.schedule == 'epoch_cosine':
            per_epoch = self.epoch_length()
            epochs = max(self.schedule_steps() // per_epoch, 1)
            start, end = self.momentum
            return end - (end - start) * (math.cos(math.pi * ((step - 1) // per_epoch) / epochs) + 1) / 2
        return linear_momentum(step, self.schedule_steps(), *self.momentum)

    def begin_step(self, online: Mapping[str, nn.Module], step: int = 0) -> None:
        if self.update_at == 'next_forward':
            if not self.ema_in_forward:
                raise RuntimeError("model.target_generator.update_at='next_forward' updates the EMA inside the "
                                   "forward, which FSDP does not allow; use update_at='after_step'")
            self.ema_step(online, self.momentum_at(step))
            return
        if self._due_momentum is None:
            return
        if not self.ema_in_forward:
            raise RuntimeError('The EMA update after the previous optimizer step was not made; under FSDP it '
                               'must run outside the forward: add TargetEMAHook to custom_hooks, or call '
                               'mmjepa.engine.hooks.fsdp_update_target(model) after each optimizer step')
        if not self._warned_late:
            warnings.warn('The EMA update after the previous optimizer step was made at the start of the next '
                          'step; call model.update_target() after each optimizer step (TargetEMAHook does) so '
                          'that the target encoder you save includes the last update')
            self._warned_late = True
        self.update_target(online)

    def end_step(self, step: int) -> Dict[str, torch.Tensor]:
        if self.update_at == 'next_forward':  # made by the next forward (begin_step)
            return dict(ema_momentum=torch.tensor(self.momentum_at(step)))
        momentum = self._due_momentum = self.momentum_at(step)
        return dict(ema_momentum=torch.tensor(momentum))

    @property
    def update_due(self) -> bool:
        return self._due_momentum is not None

    def update_target(self, online: Mapping[str, nn.Module]) -> bool:
        if self._due_momentum is None:
            return False
        momentum, self._due_momentum = self._due_momentum, None
        self.ema_step(online, momentum)
        return True

    def skip_update(self) -> None:
        self._due_momentum = None

    def add_mirror(self, name: str, online: nn.Module) -> None:
        """Keep a frozen EMA copy of another online module as ``self.<name>`` (its keys are saved with the
        target generator's, so a resume restores it)."""
        if name in self.mirrored or hasattr(self, name):
            raise ValueError(f'{type(self).__name__} already has a {name!r}')
        setattr(self, name, copy.deepcopy(online).requires_grad_(False))
        self.mirrored.append(name)

    def _pairs(self, online: Union[nn.Module, Mapping[str, nn.Module]]) -> Tuple[List[nn.Module], List[nn.Module]]:
        if isinstance(online, nn.Module):
            online = {'encoder': online}
        missing = [name for name in self.mirrored if name not in online]
        if missing:
            raise ValueError(f'The EMA targets {self.mirrored} need their online modules; missing {missing}')
        return [getattr(self, name) for name in self.mirrored], [online[name] for name in self.mirrored]

    def sync(self, online: Union[nn.Module, Mapping[str, nn.Module]]) -> None:
        """Copy the online weights (the EMA starts as a copy). ``online``: the context encoder, or
        ``{name: module}`` for every mirrored module."""
        for target, source in zip(*self._pairs(online)):
            target.load_state_dict(source.state_dict())

    def ema_step(self, online: Union[nn.Module, Mapping[str, nn.Module]], momentum: float) -> None:
        """One EMA step of every mirrored module towards its online module (as in :meth:`sync`)."""
        ema_update_(*self._pairs(online), momentum)

    @torch.no_grad()
    def features(self, images: torch.Tensor, **encoder_kwargs) -> torch.Tensor:
        """Per-patch targets of the whole image, [B, N, D]. ``encoder_kwargs`` go to ``forward_tokens``
        (e.g. EC-IJEPA's conditioning)."""
        h = self.encoder.forward_tokens(images, **encoder_kwargs)
        return F.layer_norm(h, h.shape[-1:]) if self.normalize else h

    @torch.no_grad()
    def forward(self, images: torch.Tensor, masks, **encoder_kwargs) -> torch.Tensor:
        """Targets of every target set of ``masks`` (:class:`Masks`), [T*S, Kt, D] block-major (matching the
        predictor's output)."""
        return gather_tokens(self.features(images, **encoder_kwargs), masks.targets)

    def train(self, mode: bool = True):
        # The EMA encoder always runs deterministically (no drop path / dropout), as in the official code;
        # with batch_stats its batch norms normalise by the batch in training.
        super().train(False)
        if mode and self.batch_stats:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.train(True)
        return self
