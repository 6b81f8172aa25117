# Copyright (c) mmjepa contributors. All rights reserved.
"""`ACT-JEPA <https://arxiv.org/abs/2501.14622>`_: an ACT policy (a transformer encoder-decoder that outputs
chunks of ``k`` future actions) trained end to end with a JEPA term that predicts the latents of the next ``k``
observations given by an EMA target encoder. ``jepa_weight=0`` is the ACT baseline (no target, no predictor)."""
import math
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import nn

from ..predictors.chunk_decoder import ChunkDecoder
from .base import BaseJEPA


@MODELS.register_module()
class ACTJEPA(BaseJEPA):
    """ACT policy with the ACT-JEPA latent-observation objective.

    One step (``inputs`` from :class:`mmjepa.datasets.MetaWorldDemoDataset`: ``obs`` [B, H, D], ``actions``
    [B, k, A], ``future_obs`` [B, k, D], ``action_pad`` [B, k]; ``task`` [B] with ``tasks``)::

        context = context_encoder(backbone(obs) + position [+ task_embed(task)])   # over the H steps
        actions_hat = action_decoder(context)                          # [B, k, A], L1 to the demo chunk
        latents_hat = predictor(context)                               # [B, k, C]
        latents = EMA backbone(future_obs)                             # [B, k, C], no gradient
        loss = L1(actions_hat, actions) + jepa_weight * loss(latents_hat, latents)

    Args:
        backbone (dict): The per-step observation encoder (:class:`StateMLPEncoder`); its EMA copy is the target.
        action_dims (int): Action width (4 for Meta-World).
        chunk_size (int): ``k``, actions and future observations per chunk. Defaults to 10.
        history (int): Observations the policy sees (current included). Defaults to 1.
        jepa_weight (float): Weight of the JEPA term; 0 is the ACT baseline (no target, no predictor built).
            Defaults to 1.0.
        encoder_layers (int): Layers of the context transformer encoder. Defaults to 2.
        action_decoder (dict): :class:`ChunkDecoder` overrides (layers, heads).
        predictor (dict): :class:`ChunkDecoder` overrides of the JEPA predictor.
        target_generator (dict): Defaults to the EMA encoder, momentum 0.996 -> 1, targets layer-normalised.
        loss (dict): The JEPA term. Defaults to smooth L1.
        tasks (list[str], optional): Multi-task policy: the task names, in the order of the index the dataset
            gives (``MetaWorldDemoDataset(model_tasks=...)``). A learned embedding of the task is added to every
            context token (our interpretation; the target encoder does not see it). None (default): one task,
            no conditioning.
    """
    algorithm_name = 'ACT-JEPA'

    def __init__(self,
                 backbone: dict,
                 action_dims: int,
                 chunk_size: int = 10,
                 history: int = 1,
                 jepa_weight: float = 1.0,
                 encoder_layers: int = 2,
                 action_decoder: dict = dict(num_layers=2),
                 predictor: Optional[dict] = dict(num_layers=2),
                 target_generator: dict = dict(type='EMATargetGenerator', momentum=(0.996, 1.0), normalize=True),
                 loss: dict = dict(type='JEPAPredictionLoss', criterion='smooth_l1'),
                 tasks: Optional[Sequence[str]] = None,
                 **kwargs):
        if kwargs.get('data_preprocessor') is None:  # state vectors: only moved to the device
            kwargs['data_preprocessor'] = dict(type='BaseDataPreprocessor')
        super().__init__(backbone=backbone, mask_sampler=None, target_generator=target_generator, loss=loss,
                         **kwargs)
        if jepa_weight < 0:
            raise ValueError(f'model.jepa_weight={jepa_weight} must be >= 0 (0: the ACT baseline)')
        if chunk_size < 1 or history < 1:
            raise ValueError(f'model.chunk_size={chunk_size} and model.history={history} must be >= 1')
        self.action_dims, self.chunk_size, self.history = action_dims, chunk_size, history
        self.jepa_weight = float(jepa_weight)
        dims, heads = self.backbone.embed_dims, self.backbone.num_heads
        self.pos_embed = nn.Parameter(torch.zeros(1, history, dims))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        layer = nn.TransformerEncoderLayer(dims, heads, 4 * dims, 0.0, activation='gelu', batch_first=True,
                                           norm_first=True)
        self.context_encoder = nn.TransformerEncoder(layer, encoder_layers, norm=nn.LayerNorm(dims),
                                                     enable_nested_tensor=False)
        self.action_decoder = ChunkDecoder(dims, chunk_size, action_dims, num_heads=heads,
                                           **(action_decoder or {}))
        self.tasks, self.task_embed = None, None
        if tasks is not None:  # built before the predictor: ACT and ACT-JEPA start alike under one seed
            if isinstance(tasks, str) or len(tasks) == 0 or len(set(tasks)) != len(tasks):
                raise ValueError(f'model.tasks={tasks!r} must be a non-empty list of distinct task names (or None '
                                 'for a single-task policy)')
            self.tasks = list(tasks)
            self.task_embed = nn.Embedding(len(self.tasks), dims)
            nn.init.trunc_normal_(self.task_embed.weight, std=0.02)
        self.predictor = None
        if self.jepa_weight > 0:
            self.predictor = ChunkDecoder(dims, chunk_size, dims, num_heads=heads, **(predictor or {}))

    # ------------------------------------------------------------------------------------------ the step
    def prepare_inputs(self, inputs: Dict[str, torch.Tensor],
                       data_samples: Optional[List[DataSample]] = None) -> Dict[str, torch.Tensor]:
        """Check the batch: ``obs`` [B, H, D], ``actions`` [B, k, A], ``future_obs`` [B, k, D] and
        ``action_pad`` [B, k] (optional)."""
        if not isinstance(inputs, dict) or not {'obs', 'actions', 'future_obs'} <= set(inputs):
            raise ValueError(f'{type(self).__name__} takes dict(obs, actions, future_obs[, action_pad]) batches '
                             '(MetaWorldDemoDataset with default_collate); got '
                             f'{sorted(inputs) if isinstance(inputs, dict) else type(inputs).__name__}')
        obs, actions = inputs['obs'].float(), inputs['actions'].float()
        future = inputs['future_obs'].float()
        k, h = self.chunk_size, self.history
        if obs.dim() != 3 or obs.shape[1] != h:
            raise ValueError(f'obs {tuple(obs.shape)} must be [B, model.history={h}, D]: set the dataset\'s '
                             'history to the model\'s')
        if actions.shape[1:] != (k, self.action_dims) or future.shape[1] != k:
            raise ValueError(f'actions {tuple(actions.shape)} / future_obs {tuple(future.shape)} must hold '
                             f'model.chunk_size={k} steps of {self.action_dims} actions: set the dataset\'s '
                             'chunk_size to the model\'s')
        pad = inputs.get('action_pad')
        pad = torch.zeros(actions.shape[:2], dtype=torch.bool, device=actions.device) if pad is None else pad.bool()
        out = dict(obs=obs, actions=actions, future_obs=future, action_pad=pad)
        if self.tasks is not None:
            if 'task' not in inputs:
                raise ValueError(f'model.tasks holds {len(self.tasks)} tasks but the batch has no task index: set '
                                 'the dataset\'s model_tasks to model.tasks')
            out['task'] = self.task_index(inputs['task'], len(obs))
        return out

    def task_index(self, task: Union[str, int, torch.Tensor], batch_size: int) -> Optional[torch.Tensor]:
        """The task indices [B] (long) of ``task``: a name of ``model.tasks``, an index, or indices [B]; None for
        a single-task policy (``model.tasks=None``), which takes no task."""
        if self.tasks is None:
            if task is not None:
                raise ValueError(f'task={task!r} given to a single-task policy (model.tasks=None)')
            return None
        if task is None:
            raise ValueError(f'this policy is conditioned on model.tasks={self.tasks}: pass the task')
        if isinstance(task, str):
            if task not in self.tasks:
                raise KeyError(f'task {task!r} is not in model.tasks={self.tasks}')
            task = self.tasks.index(task)
        index = torch.as_tensor(task, dtype=torch.long, device=self.pos_embed.device).reshape(-1)
        if index.numel() == 1:
            index = index.expand(batch_size)
        if index.shape != (batch_size,) or index.min() < 0 or index.max() >= len(self.tasks):
            raise ValueError(f'task indices {index.tolist()} must be {batch_size} values in [0, '
                             f'{len(self.tasks)}) (model.tasks={self.tasks})')
        return index

    def sample_masks(self, batch_size: int, device: torch.device) -> None:
        """ACT-JEPA masks nothing: the observed steps are the context, the future chunk the target."""
        return None

    def encode_context(self, obs: torch.Tensor, task: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The context [B, H, C] of the observation history [B, H, D] (and the task indices [B] of a multi-task
        policy, see :meth:`task_index`)."""
        tokens = self.backbone.forward_tokens(obs) + self.pos_embed
        if self.task_embed is not None:
            tokens = tokens + self.task_embed(task)[:, None]
        return self.context_encoder(tokens)

    def compute_targets(self, inputs: Dict[str, torch.Tensor], masks=None) -> Optional[torch.Tensor]:
        """The EMA encoder's latents of the future observation chunk, [B, k, C] (None for the ACT baseline)."""
        if self.predictor is None:
            return None
        return self.target_generator.features(inputs['future_obs'])

    def predict_targets(self, inputs: Dict[str, torch.Tensor], masks=None) -> Dict[str, torch.Tensor]:
        """``actions`` [B, k, A] and (ACT-JEPA) ``latents`` [B, k, C] of the context (with the demonstrated
        ``actions_gt`` and ``action_pad``)."""
        context = self.encode_context(inputs['obs'], inputs.get('task'))
        # the demonstrated chunk and its padding travel with the prediction to compute_loss
        out = dict(actions=self.action_decoder(context), actions_gt=inputs['actions'],
                   action_pad=inputs['action_pad'])
        if self.predictor is not None:
            out['latents'] = self.predictor(context)
        return out

    def compute_loss(self, pred: Dict[str, torch.Tensor], targets: Optional[torch.Tensor],
                     masks=None) -> Dict[str, torch.Tensor]:
        keep = (~pred['action_pad']).unsqueeze(-1).float()
        l1 = (pred['actions'] - pred['actions_gt']).abs() * keep
        losses = dict(loss_action=l1.sum() / (keep.sum() * self.action_dims).clamp(min=1))
        if self.predictor is not None:
            losses['loss_jepa'] = self.jepa_weight * self.loss_module(pred['latents'], targets)
        return losses

    # ---------------------------------------------------------------------------------------------- acting
    @torch.no_grad()
    def predict_actions(self, obs: torch.Tensor, task: Union[str, int, torch.Tensor, None] = None) -> torch.Tensor:
        """The action chunk [B, k, A] for the observation history [B, H, D] (or [H, D] / [D] for one); a
        multi-task policy also takes the ``task`` (a name of ``model.tasks``, an index or indices [B])."""
        squeeze = obs.dim() < 3
        obs = obs.reshape(1, -1, obs.shape[-1]) if squeeze else obs
        if obs.shape[1] != self.history:
            raise ValueError(f'predict_actions takes model.history={self.history} observations; got '
                             f'{tuple(obs.shape)}')
        param = next(self.parameters())
        context = self.encode_context(obs.to(param.device, param.dtype), self.task_index(task, len(obs)))
        actions = self.action_decoder(context)
        return actions[0] if squeeze else actions

    def predict(self, inputs, data_samples=None, **kwargs):
        """Batches of the dataset: the predicted chunks, one per sample (offline action error)."""
        inputs = self.prepare_inputs(inputs, data_samples)
        return list(self.predict_actions(inputs['obs'], inputs.get('task')))


def temporal_ensemble(chunks: List[torch.Tensor], t: int, m: float = 0.01) -> torch.Tensor:
    """ACT's temporal ensembling: the action at step ``t`` from every chunk ``chunks[s]`` predicted at step
    ``s`` that covers ``t``, weighted by ``exp(-m * i)`` with ``i = 0`` the oldest prediction."""
    acts = [c[t - s] for s, c in enumerate(chunks) if c is not None and 0 <= t - s < len(c)]
    if not acts:
        raise ValueError(f'no chunk covers step {t}')
    weights = torch.tensor([math.exp(-m * i) for i in range(len(acts))], dtype=acts[0].dtype)
    return (torch.stack(acts) * (weights / weights.sum())[:, None]).sum(0)
