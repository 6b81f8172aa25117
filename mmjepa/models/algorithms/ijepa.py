# Copyright (c) mmjepa contributors. All rights reserved.
"""I-JEPA, the base composition of the JEPA family: mask sampler, context encoder, EMA target
generator, predictor and loss."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.dist import get_dist_info
from mmengine.logging import MessageHub
from mmpretrain.models.selfsup import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..utils import linear_momentum


@MODELS.register_module()
class IJEPA(BaseSelfSupervisor):
    """`I-JEPA <https://arxiv.org/abs/2301.08243>`_: predict, from one context block, the target encoder's
    representations of several target blocks of the same image.

    One training step (``loss``): draw the batch's masks; move the EMA target one step towards the context
    encoder (the update the official code does after the previous optimizer step; under FSDP,
    :class:`mmjepa.engine.hooks.FSDPEMAHook` makes it just before ``loss`` instead); compute the targets on
    the full image without gradients; encode only the context patches; predict every target block at once;
    regress. ``tensor`` mode returns the target encoder's output, the encoder I-JEPA evaluates.

    Masks are drawn in the model from a generator seeded by ``(mask_seed, step)``, for the global batch
    (per-GPU batch x world size). Rank ``r`` takes the masks of global positions ``r, r + world, ...``: the
    samples mmengine's samplers give it, which interleave the ranks. The step counter is a buffer saved with
    the weights, so a resumed run draws the same masks, and N ranks pair every image with the same masks as
    one process with the whole batch (the official collator draws and truncates per GPU; here per global
    batch, so all ranks keep the same number of context and target patches).

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
        # Training steps taken; drives the mask RNG and the EMA schedule. A buffer, so checkpoints keep it;
        # `_step` mirrors it on the host so the step never reads the device.
        self.register_buffer('step', torch.zeros((), dtype=torch.long))
        self._step = 0
        self.ema_in_forward = True
        self.register_load_state_dict_post_hook(lambda module, keys: module._sync_step())

    def _sync_step(self) -> None:
        self._step = int(self.step)

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
        """EMA momentum of the update made after optimizer step ``step``."""
        return linear_momentum(step, self.total_steps(), *self.ema_momentum)

    def due_momentum(self) -> float:
        """Momentum of the EMA update due before the next training step (0 before the first: no update)."""
        return self.momentum(self._step - 1) if self._step > 0 else 0.

    def update_target(self) -> None:
        """Make the EMA update due before the next training step (none before the first). ``loss`` makes it
        while ``ema_in_forward`` is True; under FSDP, :class:`mmjepa.engine.hooks.FSDPEMAHook` sets it False
        and makes the update before the forward, on the sharded parameters."""
        if self._step > 0:
            self.target_generator.update(self.online_modules(), self.due_momentum())

    def sample_masks(self, batch_size: int, device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
        """This rank's context [B, Kc] and target [T, B, Kt] indices for the current step."""
        rank, world_size = get_dist_info()
        generator = torch.Generator().manual_seed(self.mask_seed * 1_000_003 + self._step)
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
        context_idx, target_idx = self.sample_masks(inputs.shape[0], inputs.device)
        momentum = self.due_momentum()
        if self.ema_in_forward:
            self.update_target()
        targets = self.compute_targets(inputs, context_idx, target_idx)
        pred = self.predict_targets(inputs, context_idx, target_idx)
        loss = self.loss_module(pred, targets)
        self._step += 1
        self.step.fill_(self._step)
        return dict(loss=loss, ema_momentum=torch.tensor(momentum))
