# Copyright (c) mmjepa contributors. All rights reserved.
"""I-JEPA, the base composition of the JEPA family: mask sampler, context encoder, EMA target
generator, predictor and loss."""
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.dist import get_dist_info
from mmengine.logging import MessageHub
from mmpretrain.models.selfsup import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..utils import linear_momentum

MASK_DRAWS = ('global', 'per_rank')


@MODELS.register_module()
class IJEPA(BaseSelfSupervisor):
    """`I-JEPA <https://arxiv.org/abs/2301.08243>`_: predict, from one context block, the target encoder's
    representations of several target blocks of the same image.

    One training step (``loss``): draw the batch's masks; compute the targets on the full image without
    gradients; encode only the context patches; predict every target block at once; regress. ``tensor`` mode
    returns the target encoder's output, the encoder I-JEPA evaluates.

    The EMA update of the target (``θ̄ ← m θ̄ + (1 - m) θ``, ``m`` linear from ``ema_momentum[0]`` at step 0)
    is made right after each optimizer step, as in the official code, so a checkpoint written after step ``k``
    holds the official target of step ``k``. ``loss`` leaves it due; :meth:`update_target` makes it:
    ``train_step`` of the unwrapped model does so after ``optim_wrapper.update_params``, and
    :class:`mmjepa.engine.hooks.TargetEMAHook` (in the pretraining runtime) does so for wrapped models (DDP,
    FSDP, where it runs on the sharded parameters) before every other ``after_train_iter`` hook. Under
    gradient accumulation the update is made only at the iterations where the optimizer stepped. A loop that
    calls ``loss`` itself should call ``update_target()`` after its optimizer step; if it does not, ``loss``
    makes the due update at the start of the next step (the same training, but the last update is missing
    at the end) and warns once.

    Masks are drawn in the model from a generator seeded by ``(mask_seed, step)``. With ``mask_draw='global'``
    (default) they are drawn for the global batch (per-GPU batch x world size) and rank ``r`` takes those of
    global positions ``r, r + world, ...``: the samples mmengine's samplers give it, which interleave the
    ranks. Every block is then truncated to the shortest in the global batch, so all ranks keep the same
    numbers of patches and N ranks pair every image with the same masks as one process with the whole batch.
    ``mask_draw='per_rank'`` reproduces the official collator, which draws and truncates per GPU: the block
    sizes come from the ``(mask_seed, step)`` generator (the same on every rank, as the official per-batch
    seed), the positions from one seeded by ``(mask_seed, step, rank)``, and truncation is to the shortest in
    the rank's own batch (more patches kept at large world sizes; N ranks no longer equal one process). The
    step counter is a buffer saved with the weights, so a resumed run draws the same masks.

    Args:
        backbone (dict): Context encoder (:class:`JEPAViT`).
        predictor (dict): Predictor; ``embed_dims``, ``num_heads`` and ``patch_resolution`` default to the
            backbone's.
        mask_sampler (dict): Mask sampler; ``input_size`` defaults to the backbone's patch grid.
        target_generator (dict): Target generator built around the backbone. Defaults to
            :class:`EMATargetGenerator`.
        loss (dict): Regression loss. Defaults to smooth L1 (the official code's).
        ema_momentum (tuple): EMA momentum at the first and last step, linear in between.
            Defaults to (0.996, 1.0).
        ema_total_steps (int, optional): Steps of the momentum schedule; by default the run's ``max_iters``.
        mask_seed (int): Seed of the mask sampler. Defaults to 0.
        mask_draw (str): ``'global'`` or ``'per_rank'`` (the official per-GPU draw), see above.
            Defaults to ``'global'``.
    """
    algorithm_name = 'I-JEPA'  # the leaderboard's name (checkpoint provenance, ProvenanceHook)

    def __init__(self,
                 backbone: dict,
                 predictor: dict,
                 mask_sampler: dict = dict(type='MultiBlockMaskSampler'),
                 target_generator: dict = dict(type='EMATargetGenerator'),
                 loss: dict = dict(type='JEPAPredictionLoss', criterion='smooth_l1'),
                 ema_momentum: Sequence[float] = (0.996, 1.0),
                 ema_total_steps: Optional[int] = None,
                 mask_seed: int = 0,
                 mask_draw: str = 'global',
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(backbone=backbone, data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        encoder = self.backbone
        self.predictor = MODELS.build(
            predictor,
            default_args=dict(
                embed_dims=encoder.embed_dims, num_heads=encoder.num_heads,
                patch_resolution=encoder.patch_resolution))
        self.mask_sampler = MODELS.build(mask_sampler, default_args=dict(input_size=encoder.patch_resolution))
        if (self.mask_sampler.height, self.mask_sampler.width) != tuple(encoder.patch_resolution):
            raise ValueError(f'model.mask_sampler.input_size={(self.mask_sampler.height, self.mask_sampler.width)} '
                             f'does not match the backbone patch grid {tuple(encoder.patch_resolution)}')
        self.target_generator = MODELS.build(target_generator, default_args=dict(encoder=encoder))
        self.loss_module = MODELS.build(loss)
        if len(ema_momentum) != 2 or not 0 <= ema_momentum[0] <= ema_momentum[1] <= 1:
            raise ValueError(f'model.ema_momentum={tuple(ema_momentum)} must be (start, end) with '
                             '0 <= start <= end <= 1')
        self.ema_momentum = tuple(ema_momentum)
        self.ema_total_steps = ema_total_steps
        self.mask_seed = mask_seed
        if mask_draw not in MASK_DRAWS:
            raise ValueError(f'model.mask_draw={mask_draw!r} must be one of {MASK_DRAWS}')
        self.mask_draw = mask_draw
        # Training steps taken; drives the mask RNG and the EMA schedule. A buffer, so checkpoints keep it;
        # `_step` mirrors it on the host so the step never reads the device.
        self.register_buffer('step', torch.zeros((), dtype=torch.long))
        self._step = 0
        # Momentum of the EMA update due after the last step's optimizer step (None: made or dropped). Not
        # saved: checkpoints are written after the update (TargetEMAHook runs before the checkpoint hooks).
        self._due_momentum: Optional[float] = None
        # Whether `loss` may make a due update itself (False under FSDP, where it must run outside the forward).
        self.ema_in_forward = True
        self._warned_late_ema = False
        self.register_load_state_dict_post_hook(lambda module, keys: module._sync_step())
        self.register_state_dict_post_hook(IJEPA._warn_if_update_due)

    def _sync_step(self) -> None:
        self._step = int(self.step)
        self._due_momentum = None

    @staticmethod
    def _warn_if_update_due(module, state_dict, prefix, local_metadata) -> None:
        if module._due_momentum is not None:
            warnings.warn(f'{type(module).__name__}.state_dict(): the EMA update after optimizer step '
                          f'{module._step - 1} is not made yet and is not saved; call update_target() first')

    def init_weights(self):
        super().init_weights()
        self.target_generator.sync(self.online_modules())

    def online_modules(self) -> Dict[str, torch.nn.Module]:
        """The online modules the target generator keeps EMA copies of (variants add their heads)."""
        return dict(encoder=self.backbone)

    # ----------------------------------------------------------------------------------------------- steps
    def total_steps(self) -> int:
        if self.ema_total_steps is not None:
            return self.ema_total_steps
        max_iters = MessageHub.get_current_instance().get_info('max_iters')
        if max_iters is None:
            raise RuntimeError('The EMA momentum schedule needs the run length: run under an mmengine Runner '
                               'or set model.ema_total_steps')
        return max_iters

    def momentum(self, step: int) -> float:
        """EMA momentum of the update made after optimizer step ``step`` (the official generator's
        ``step``-th value: 0.996 after step 0, whatever the run length)."""
        if step == 0:
            return self.ema_momentum[0]
        return linear_momentum(step, self.total_steps(), *self.ema_momentum)

    @property
    def target_update_due(self) -> bool:
        """Whether the EMA update after the last training step's optimizer step is still to be made."""
        return self._due_momentum is not None

    def update_target(self) -> bool:
        """Make the EMA update due after the last training step's optimizer step, once (later calls do
        nothing until the next step). Under FSDP call it through
        :func:`mmjepa.engine.hooks.fsdp_update_target`. Returns whether an update was made."""
        if self._due_momentum is None:
            return False
        momentum, self._due_momentum = self._due_momentum, None
        self.target_generator.update(self.online_modules(), momentum)
        return True

    def skip_target_update(self) -> None:
        """Drop the due EMA update: the optimizer did not step (gradient accumulation), the weights are
        unchanged."""
        self._due_momentum = None

    def train_step(self, data, optim_wrapper) -> Dict[str, torch.Tensor]:
        """mmengine's train step, then the EMA update if the optimizer stepped (model wrappers run their own
        train step: :class:`mmjepa.engine.hooks.TargetEMAHook` makes their update)."""
        log_vars = super().train_step(data, optim_wrapper)
        if optimizer_stepped(optim_wrapper):
            self.update_target()
        else:
            self.skip_target_update()
        return log_vars

    def _make_late_update(self) -> None:
        """At the start of ``loss``: the update due after the previous step was not made (a loop without
        :meth:`update_target`); make it now, before the forward, as the official order needs."""
        if not self.ema_in_forward:
            raise RuntimeError('The EMA update after the previous optimizer step was not made; under FSDP it '
                               'must run outside the forward: add TargetEMAHook to custom_hooks, or call '
                               'mmjepa.engine.hooks.fsdp_update_target(model) after each optimizer step')
        if not self._warned_late_ema:
            warnings.warn(f'{type(self).__name__}: the EMA update after optimizer step {self._step - 1} was made '
                          'at the start of the next step; call model.update_target() after each optimizer step '
                          '(TargetEMAHook does) so that the target encoder you save includes the last update')
            self._warned_late_ema = True
        self.update_target()

    def sample_masks(self, batch_size: int, device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
        """This rank's context [B, Kc] and target [T, B, Kt] indices for the current step (``mask_draw``)."""
        rank, world_size = get_dist_info()
        seed = self.mask_seed * 1_000_003 + self._step
        generator = torch.Generator().manual_seed(seed)
        if self.mask_draw == 'per_rank':
            positions = torch.Generator().manual_seed(seed * 65_537 + rank)
            context_idx, target_idx = self.mask_sampler(batch_size, generator, position_generator=positions)
        else:
            context_idx, target_idx = self.mask_sampler(batch_size * world_size, generator)
            context_idx, target_idx = context_idx[rank::world_size], target_idx[:, rank::world_size]
        if torch.device(device).type == 'cuda':  # a copy from pageable memory would wait for the stream: pin
            context_idx, target_idx = context_idx.pin_memory(), target_idx.pin_memory()
        return context_idx.to(device, non_blocking=True), target_idx.to(device, non_blocking=True)

    def compile_networks(self, **compile_kwargs) -> None:
        """``torch.compile`` the context and target encoders (``forward_tokens``) and the predictor, with
        ``dynamic=True`` unless given: the kept-token counts change with every mask draw.

        ``loss`` itself is left eager. It reads per-step Python scalars (the step, the EMA momentum) and runs
        the numpy mask sampler; compiled, it recompiled at every step (measured).
        """
        compile_kwargs.setdefault('dynamic', True)
        for encoder in (self.backbone, self.target_generator.encoder):
            encoder.forward_tokens = torch.compile(encoder.forward_tokens, **compile_kwargs)
        self.predictor.forward = torch.compile(self.predictor.forward, **compile_kwargs)

    # ------------------------------------------------------------------------------------------- forward
    def extract_feat(self, inputs: torch.Tensor):
        """Features of the target encoder (I-JEPA's evaluation protocol)."""
        return self.target_generator.encoder(inputs)

    @torch.no_grad()
    def target_features(self, inputs: torch.Tensor) -> torch.Tensor:
        """The target encoder's patch tokens of the whole images ([B, N, D]; the tokens of
        :meth:`extract_feat`, unconditioned), e.g. for :class:`CollapseMonitorHook`."""
        return self.target_generator.encoder.forward_tokens(inputs)

    def compute_targets(self, inputs: torch.Tensor, context_idx: torch.Tensor,
                        target_idx: torch.Tensor) -> torch.Tensor:
        """Target branch: the target generator's representations of every block ([T*B, Kt, D])."""
        return self.target_generator(inputs, target_idx)

    def predict_targets(self, inputs: torch.Tensor, context_idx: torch.Tensor,
                        target_idx: torch.Tensor) -> torch.Tensor:
        """Context branch: encode the kept patches, predict every target block ([T*B, Kt, D])."""
        context = self.backbone.forward_tokens(inputs, keep=context_idx)
        return self.predictor(context, context_idx, target_idx)

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample], **kwargs) -> Dict[str, torch.Tensor]:
        if isinstance(inputs, (list, tuple)):
            inputs = inputs[0]
        if self._due_momentum is not None:
            self._make_late_update()
        context_idx, target_idx = self.sample_masks(inputs.shape[0], inputs.device)
        targets = self.compute_targets(inputs, context_idx, target_idx)
        pred = self.predict_targets(inputs, context_idx, target_idx)
        loss = self.loss_module(pred, targets)
        momentum = self._due_momentum = self.momentum(self._step)  # of the update after this step
        self._step += 1
        self.step.fill_(self._step)
        return dict(loss=loss, ema_momentum=torch.tensor(momentum))


def optimizer_stepped(optim_wrapper) -> bool:
    """Whether the ``update_params`` just made by ``optim_wrapper`` stepped the optimizer (False on the
    accumulating iterations of gradient accumulation; True for wrappers that cannot tell)."""
    should_update = getattr(optim_wrapper, 'should_update', None)
    return True if should_update is None else bool(should_update())
