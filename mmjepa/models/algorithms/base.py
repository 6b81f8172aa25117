# Copyright (c) mmjepa contributors. All rights reserved.
"""The base of every JEPA algorithm: the step counter, the seeded global-batch mask draw and the template
training step, whose parts a variant overrides."""
import inspect
import warnings
from typing import Dict, List, Mapping, Optional, Tuple, Union

import torch
from mmengine.dist import get_dist_info
from mmpretrain.models.selfsup import BaseSelfSupervisor
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..mask_samplers.masks import Masks

MASK_DRAWS = ('global', 'per_rank')
MOVED_ARGS = {'ema_momentum': 'model.target_generator.momentum',
              'ema_total_steps': 'model.target_generator.total_steps'}


def build_target_generator(cfg: dict, encoder: torch.nn.Module) -> torch.nn.Module:
    """Build ``cfg``, giving it the online ``encoder`` when its regime copies one (``needs_encoder``)."""
    cls = MODELS.get(cfg['type']) if isinstance(cfg.get('type'), str) else cfg['type']
    if cls is None:
        raise KeyError(f'model.target_generator.type={cfg["type"]!r} is not a registered model')
    return MODELS.build(cfg, default_args=dict(encoder=encoder) if cls.needs_encoder else None)


class BaseJEPA(BaseSelfSupervisor):
    """A joint-embedding predictive architecture, as one template training step (:meth:`loss`)::

        inputs = prepare_inputs(inputs, data_samples)   # the tensor(s) the encoders take
        masks = masks_for(inputs)                       # Masks: context, targets (, hidden); by default
                                                        # sample_masks(batch_size, device)
        targets = compute_targets(inputs, masks)        # target regime: EMA encoder or fixed operator
        pred = predict_targets(inputs, masks)           # context encoder (+ predictor)
        loss = compute_loss(pred, targets, masks)

    A variant overrides one to three of these parts. The defaults are I-JEPA's: the context is a kept subset
    of the tokens, the predictor fills the target tokens in, the loss regresses every predicted token.

    **Masks** are drawn in the model from a generator seeded by ``(mask_seed, step)``. With
    ``mask_draw='global'`` (default) they are drawn for the global batch (per-GPU batch x world size) and
    rank ``r`` takes those of global samples ``r, r + world, ...``: the samples mmengine's samplers give it.
    Samplers truncate to the shortest set in the batch they draw, so N ranks pair every sample with the same
    masks as one process with the whole batch. ``mask_draw='per_rank'`` reproduces the official I-JEPA
    collator, which draws per GPU: the set sizes from the ``(mask_seed, step)`` generator, the positions from
    one seeded by ``(mask_seed, step, rank)`` (samplers that take a ``position_generator``). The step counter
    is a buffer saved with the weights, so a resumed run draws the same masks.

    **Mask groups** (``mask_group_size=G``): the official collators draw, and truncate, per GPU batch; a draw
    over the whole global batch truncates to the shortest of many more samples and keeps fewer tokens (I-JEPA
    on a 16x16 grid: 57 context tokens at 2048 images against 69 per GPU of 128). With ``G`` set to the official
    per-GPU batch, the global batch of ``B`` samples is split into ``ceil(B / G)`` groups of (nearly) equal size
    whatever the number of processes: global position ``j`` is in group ``j mod ceil(B / G)``. Each group is
    one official per-GPU draw: the sizes from the step's generator (shared by the groups, as the official
    per-batch seed shares them between GPUs), the positions from one seeded by ``(mask_seed, step, group)``
    (group 0 keeps drawing from the step's generator, so a single group is exactly the global draw). A process
    runs the template step once per group it holds (on ``world_size`` ranks of one group each, as in the
    official recipe, exactly once) and weights each group's loss so that the ranks' mean is the mean over the
    groups of each group's loss: N processes still train as one. This assumes a loss that is a mean over the
    samples of a group (every loss of the family is).

    **Targets** come from the target generator, which owns its regime (:class:`TargetGenerator`): the EMA
    regime updates its copies after each optimizer step (:meth:`update_target`, called by :meth:`train_step`
    and by :class:`mmjepa.engine.hooks.TargetEMAHook`); a fixed operator has nothing to update.
    :meth:`encoder_to_evaluate` is the encoder that downstream tasks, hooks and tools use.

    Args:
        backbone (dict): The context encoder; its ``layout`` (:class:`TokenLayout`) sizes everything else
            (an encoder of whole views, e.g. seq-JEPA's ResNet, has none).
        mask_sampler (dict, optional): Built with ``input_size`` = the layout's grid; None for an algorithm that
            masks nothing (it overrides :meth:`sample_masks`).
        target_generator (dict): Built with the backbone as ``encoder`` when its regime needs one.
        loss (dict): The loss.
        predictor (dict, optional): Built with the backbone's ``embed_dims``, ``num_heads`` and ``layout``.
        mask_seed (int): Seed of the mask draws. Defaults to 0.
        mask_draw (str): ``'global'`` or ``'per_rank'``, see above. Defaults to ``'global'``.
        mask_group_size (int, optional): Samples per mask group (the official per-GPU batch), see above. None:
            the whole global batch is one group. Defaults to None.
    """
    algorithm_name: Optional[str] = None  # the leaderboard's name (checkpoint provenance, ProvenanceHook)

    def __init__(self,
                 backbone: dict,
                 mask_sampler: Optional[dict],
                 target_generator: dict,
                 loss: dict,
                 predictor: Optional[dict] = None,
                 mask_seed: int = 0,
                 mask_draw: str = 'global',
                 mask_group_size: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 **kwargs):
        moved = [k for k in kwargs if k in MOVED_ARGS]
        if moved:
            raise TypeError('; '.join(f'model.{k} moved to {MOVED_ARGS[k]}' for k in moved))
        if kwargs:
            raise TypeError(f'{type(self).__name__} got unexpected arguments {sorted(kwargs)}')
        super().__init__(backbone=backbone, data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.layout = getattr(self.backbone, 'layout', None)
        if predictor is not None:
            self.predictor = MODELS.build(predictor, default_args=dict(
                embed_dims=self.backbone.embed_dims, num_heads=self.backbone.num_heads, layout=self.layout))
        self.mask_sampler = None
        if mask_sampler is not None:
            self.mask_sampler = MODELS.build(mask_sampler, default_args=dict(input_size=self.layout.grid))
            sampler_grid = tuple(getattr(self.mask_sampler, 'input_size', self.layout.grid))
            if sampler_grid != self.layout.grid:
                raise ValueError(f'model.mask_sampler.input_size={sampler_grid} does not match the backbone token '
                                 f'grid {self.layout.grid}; leave it unset to use the backbone\'s')
        self.target_generator = build_target_generator(target_generator, self.backbone)
        self.loss_module = MODELS.build(loss)
        if mask_draw not in MASK_DRAWS:
            raise ValueError(f'model.mask_draw={mask_draw!r} must be one of {MASK_DRAWS}')
        self.mask_seed = mask_seed
        self.mask_draw = mask_draw
        self.mask_group_size = self._check_mask_groups(mask_draw, mask_group_size)
        # Training steps taken; drives the mask RNG and the target schedule. A buffer, so checkpoints keep it;
        # `_step` mirrors it on the host so the step never reads the device.
        self.register_buffer('step', torch.zeros((), dtype=torch.long))
        self._step = 0
        self.register_load_state_dict_post_hook(lambda module, keys: module._sync_step())
        self.register_state_dict_post_hook(BaseJEPA._warn_if_update_due)

    def _check_mask_groups(self, mask_draw: str, mask_group_size: Optional[int]) -> Optional[int]:
        """Refuse the mask options that this algorithm's sampler cannot honour; returns ``mask_group_size``."""
        draws_from_batch_size = type(self).masks_for is BaseJEPA.masks_for
        if mask_group_size is not None:
            if isinstance(mask_group_size, bool) or int(mask_group_size) != mask_group_size or mask_group_size < 1:
                raise ValueError(f'model.mask_group_size={mask_group_size!r} must be a positive integer (the '
                                 'official per-GPU batch) or None (one group: the global batch)')
            if mask_draw != 'global':
                raise ValueError(f"model.mask_group_size={mask_group_size} splits the global draw into groups; it "
                                 f"cannot be combined with model.mask_draw={mask_draw!r}: set one of the two")
            if self.mask_sampler is None or not draws_from_batch_size:
                raise ValueError(f'model.mask_group_size={mask_group_size}: {type(self).__name__} draws its masks '
                                 'itself (no mask sampler drawn from the batch size); leave it None')
            mask_group_size = int(mask_group_size)
        needs_positions = mask_draw == 'per_rank' or mask_group_size is not None
        if needs_positions and self.mask_sampler is not None and draws_from_batch_size:
            call = inspect.signature(type(self.mask_sampler).__call__).parameters
            if 'position_generator' not in call:
                option = ('model.mask_draw=\'per_rank\'' if mask_draw == 'per_rank' else
                          f'model.mask_group_size={mask_group_size}')
                raise ValueError(f'{option} draws positions from a generator of their own, which '
                                 f'{type(self.mask_sampler).__name__} does not take (no position_generator): '
                                 'remove the option or use a sampler that takes one')
        return mask_group_size

    def _sync_step(self) -> None:
        self._step = int(self.step)
        self.target_generator.skip_update()

    @staticmethod
    def _warn_if_update_due(module, state_dict, prefix, local_metadata) -> None:
        if module.target_generator.update_due:
            warnings.warn(f'{type(module).__name__}.state_dict(): the target update after optimizer step '
                          f'{module._step - 1} is not made yet and is not saved; call update_target() first')

    def init_weights(self):
        super().init_weights()
        self.target_generator.sync(self.online_modules())

    def online_modules(self) -> Dict[str, torch.nn.Module]:
        """The online modules the target regime follows (variants add their heads)."""
        return dict(encoder=self.backbone)

    def encoder_to_evaluate(self) -> torch.nn.Module:
        """The encoder downstream tasks evaluate (the EMA target encoder for I-JEPA; the online encoder where
        there is no EMA). Hooks, probes and exporters ask for it here."""
        return self.target_generator.evaluated_encoder(self.backbone)

    # ------------------------------------------------------------------------------------- target regime
    @property
    def target_update_due(self) -> bool:
        """Whether the target update after the last training step's optimizer step is still to be made."""
        return self.target_generator.update_due

    @property
    def ema_in_forward(self) -> bool:
        """Whether ``loss`` may make a due EMA update itself (False under FSDP)."""
        return getattr(self.target_generator, 'ema_in_forward', True)

    @ema_in_forward.setter
    def ema_in_forward(self, value: bool) -> None:
        if hasattr(self.target_generator, 'ema_in_forward'):
            self.target_generator.ema_in_forward = value

    def update_target(self) -> bool:
        """Make the target update due after the last training step's optimizer step, once (later calls do
        nothing until the next step). Under FSDP call it through :func:`mmjepa.engine.hooks.fsdp_update_target`.
        Returns whether an update was made."""
        return self.target_generator.update_target(self.online_modules())

    def skip_target_update(self) -> None:
        """Drop the due update: the optimizer did not step (gradient accumulation), the weights are unchanged."""
        self.target_generator.skip_update()

    def train_step(self, data, optim_wrapper) -> Dict[str, torch.Tensor]:
        """mmengine's train step, then the target update if the optimizer stepped (model wrappers run their own
        train step: :class:`mmjepa.engine.hooks.TargetEMAHook` makes their update)."""
        log_vars = super().train_step(data, optim_wrapper)
        if optimizer_stepped(optim_wrapper):
            self.update_target()
        else:
            self.skip_target_update()
        return log_vars

    # ------------------------------------------------------------------------------------------ the step
    def mask_generators(self, group: int = 0):
        """``(generator, position_generator or None)`` of the current step (see ``mask_draw``) and mask group
        (see ``mask_group_size``; group 0 draws from the step's generator alone)."""
        seed = self.mask_seed * 1_000_003 + self._step
        generator = torch.Generator().manual_seed(seed)
        if self.mask_draw == 'per_rank':
            rank, _ = get_dist_info()
            return generator, torch.Generator().manual_seed(seed * 65_537 + rank)
        if group:
            return generator, torch.Generator().manual_seed(seed * 65_537 + group)
        return generator, None

    def sample_masks(self, batch_size: int, device: torch.device) -> Masks:
        """This rank's :class:`Masks` for the current step (``mask_draw``)."""
        rank, world_size = get_dist_info()
        generator, positions = self.mask_generators()
        if positions is not None:
            masks = self.mask_sampler(batch_size, generator, position_generator=positions)
        else:
            masks = self.mask_sampler(batch_size * world_size, generator)
            if world_size > 1:
                masks = masks.samples(rank, world_size)
        return masks.to(device, non_blocking=True)

    def mask_groups(self, inputs) -> List[Tuple[Optional[torch.Tensor], float, Optional[Masks]]]:
        """This rank's part of every mask group of the step (see ``mask_group_size``), as ``(index, weight,
        masks)``: ``index`` the rank-local samples of the group (None: the whole batch, in order), ``weight`` the
        factor of the group's loss and ``masks`` their masks. Without groups: ``[(None, 1., masks_for(inputs))]``.
        """
        if self.mask_group_size is None:
            return [(None, 1., self.masks_for(inputs))]
        batch_size, device = batch_size_and_device(inputs)
        rank, world_size = get_dist_info()
        total = batch_size * world_size
        num_groups = -(-total // self.mask_group_size)
        if num_groups == 1:
            return [(None, 1., self.masks_for(inputs))]
        positions = torch.arange(total)
        parts = []
        for group in range(num_groups):
            members = positions[group::num_groups]  # the group's global positions
            mine = torch.nonzero(members % world_size == rank).squeeze(1)  # those this rank holds
            if not len(mine):
                continue
            generator, position_generator = self.mask_generators(group)
            masks = self.mask_sampler(len(members), generator, position_generator=position_generator)
            local = (members[mine] - rank) // world_size  # rank r holds global positions r, r + world, ...
            index = None if torch.equal(local, torch.arange(batch_size)) else local
            weight = world_size * len(mine) / (num_groups * len(members))
            parts.append((index, weight, masks.select(mine).to(device, non_blocking=True)))
        return parts

    def masks_for(self, inputs) -> Optional[Masks]:
        """The masks of this step for what :meth:`prepare_inputs` returned: by default drawn from the batch size
        alone (:meth:`sample_masks`); a variant whose masks depend on the data (AD-L-JEPA's occupied BEV cells)
        overrides this."""
        return self.sample_masks(*batch_size_and_device(inputs))

    def prepare_inputs(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
                       data_samples: Optional[List[DataSample]]) -> torch.Tensor:
        """The tensor the encoders take: the one view of the batch (an algorithm with several views
        overrides this)."""
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != 1:
                raise ValueError(f'{type(self).__name__} takes one view per sample; the pipeline gives '
                                 f'{len(inputs)} (check the number of views of the data pipeline)')
            inputs = inputs[0]
        return inputs

    def compute_targets(self, inputs: torch.Tensor, masks: Masks) -> torch.Tensor:
        """Target branch: the target generator's representations of every target set ([T*S, Kt, F])."""
        return self.target_generator(inputs, masks)

    def predict_targets(self, inputs: torch.Tensor, masks: Masks) -> torch.Tensor:
        """Context branch: encode the context tokens, predict every target set ([T*S, Kt, D])."""
        context = self.backbone.forward_tokens(inputs, keep=masks.context)
        return self.predictor(context, masks)

    def compute_loss(self, pred: torch.Tensor, targets: torch.Tensor,
                     masks: Masks) -> Union[torch.Tensor, Dict[str, torch.Tensor]]:
        """The loss (logged as ``loss``), or a dict of named losses that mmengine sums (every key holding
        'loss')."""
        return self.loss_module(pred, targets)

    def loss(self, inputs, data_samples: Optional[List[DataSample]] = None, **kwargs) -> Dict[str, torch.Tensor]:
        inputs = self.prepare_inputs(inputs, data_samples)
        self.target_generator.begin_step(self.online_modules(), self._step)
        parts = []
        for index, weight, masks in self.mask_groups(inputs):
            group_inputs = inputs if index is None else take_samples(inputs, index)
            targets = self.compute_targets(group_inputs, masks)
            pred = self.predict_targets(group_inputs, masks)
            group_losses = self.compute_loss(pred, targets, masks)
            parts.append((weight, dict(group_losses) if isinstance(group_losses, dict) else dict(loss=group_losses)))
        if len(parts) == 1 and parts[0][0] == 1:
            losses = parts[0][1]
        else:
            losses = {key: sum(weight * group_losses[key] for weight, group_losses in parts) for key in parts[0][1]}
        losses.update(self.target_generator.end_step(self._step))
        self._step += 1
        self.step.fill_(self._step)
        return losses

    # ---------------------------------------------------------------------------------------- evaluation
    def compile_networks(self, **compile_kwargs) -> None:
        """``torch.compile`` the encoders (``forward_tokens``) and the predictor, with ``dynamic=True`` unless
        given: the kept-token counts change with every mask draw.

        ``loss`` itself is left eager. It reads per-step Python scalars (the step, the EMA momentum) and runs
        the numpy mask sampler; compiled, it recompiled at every step (measured).
        """
        compile_kwargs.setdefault('dynamic', True)
        for encoder in (self.backbone, *self.target_generator.encoders()):
            encoder.forward_tokens = torch.compile(encoder.forward_tokens, **compile_kwargs)
        if getattr(self, 'predictor', None) is not None:
            self.predictor.forward = torch.compile(self.predictor.forward, **compile_kwargs)

    def extract_feat(self, inputs: torch.Tensor):
        """Features of the encoder to evaluate (:meth:`encoder_to_evaluate`)."""
        return self.encoder_to_evaluate()(inputs)

    @torch.no_grad()
    def target_features(self, inputs: torch.Tensor) -> torch.Tensor:
        """Tokens of the encoder to evaluate on the whole inputs ([B, N, D], unconditioned), e.g. for
        :class:`CollapseMonitorHook`."""
        return self.encoder_to_evaluate().forward_tokens(inputs)


def batch_size_and_device(inputs) -> Tuple[int, torch.device]:
    """Of what ``prepare_inputs`` returned: a tensor, or a mapping / sequence of tensors (the first one's)."""
    if not isinstance(inputs, torch.Tensor):
        inputs = next(iter(inputs.values() if isinstance(inputs, Mapping) else inputs))
    return inputs.shape[0], inputs.device


def take_samples(inputs, index: torch.Tensor):
    """The samples ``index`` of what ``prepare_inputs`` returned (a tensor, or a mapping / sequence of
    batch-first tensors)."""
    if isinstance(inputs, torch.Tensor):
        return inputs[index.to(inputs.device)]
    if isinstance(inputs, Mapping):
        return type(inputs)((key, take_samples(value, index)) for key, value in inputs.items())
    return type(inputs)(take_samples(value, index) for value in inputs)


def optimizer_stepped(optim_wrapper) -> bool:
    """Whether the ``update_params`` just made by ``optim_wrapper`` stepped the optimizer (False on the
    accumulating iterations of gradient accumulation; True for wrappers that cannot tell)."""
    should_update = getattr(optim_wrapper, 'should_update', None)
    return True if should_update is None else bool(should_update())
