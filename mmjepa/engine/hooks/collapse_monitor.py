# Copyright (c) mmjepa contributors. All rights reserved.
"""Representation-collapse monitor: RankMe and the normalised feature spread of the target encoder."""
import logging
import math
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.hooks import Hook
from mmengine.hooks.hook import DATA_BATCH
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ...utils.rng import preserved_rng_state
from .fsdp_ema import root_unit_gathered


def rankme(features: torch.Tensor, eps: float = 1e-7) -> float:
    """`RankMe <https://arxiv.org/abs/2210.02885>`_ (Garrido et al. 2023, eq. 1): the effective rank
    ``exp(-sum_k p_k log p_k)`` with ``p_k = sigma_k / ||sigma||_1 + eps`` of a feature matrix ``[n, D]``
    (rows are samples, not centred, as in the paper). ``n`` equal non-zero singular values give ``n``; a
    rank-1 (fully collapsed) matrix gives ~1; the maximum is ``min(n, D)``."""
    if features.ndim != 2:
        raise ValueError(f'rankme expects a [num_samples, dims] matrix, got shape {tuple(features.shape)}')
    sigma = torch.linalg.svdvals(features.detach().double())
    p = sigma / sigma.sum().clamp_min(torch.finfo(sigma.dtype).tiny) + eps
    return math.exp(float(-(p * p.log()).sum()))


def feature_std(features: torch.Tensor) -> float:
    """Mean over dimensions of the per-dimension std of the L2-normalised rows, times ``sqrt(D)``
    (the collapse indicator of `SimSiam <https://arxiv.org/abs/2011.10566>`_, rescaled): ~1 for features
    spread over the sphere, 0 when every row is the same vector."""
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(f'feature_std expects a [num_samples >= 2, dims] matrix, got shape '
                         f'{tuple(features.shape)}')
    z = F.normalize(features.detach().double(), dim=1)
    return float(z.std(dim=0).mean()) * math.sqrt(z.shape[1])


def subsample_rows(x: torch.Tensor, max_rows: int) -> torch.Tensor:
    """At most ``max_rows`` rows of ``x``, evenly spaced (deterministic: no RNG is drawn)."""
    if x.shape[0] <= max_rows:
        return x
    index = torch.linspace(0, x.shape[0] - 1, max_rows, device=x.device).round().long()
    return x[index]


@HOOKS.register_module()
class CollapseMonitorHook(Hook):
    """Watch the target encoder for representation collapse, the failure mode of joint-embedding methods.

    Every ``interval`` training iterations, after the optimizer step, the target encoder encodes the first
    images of the current batch (as many as needed for ``max_tokens`` patch tokens) without gradients; the
    token matrix ``[<=max_tokens, D]`` (evenly subsampled) gives

    * ``train/rankme``: `RankMe <https://arxiv.org/abs/2210.02885>`_, the effective rank, in ``[1, min(n, D)]``;
    * ``train/feature_std``: the mean per-dimension std of the L2-normalised tokens times ``sqrt(D)``: ~1 for
      spread features, 0 when every token is the same vector.

    Both go to the message hub (so :class:`LoggerHook` prints them; they are refreshed every ``interval``
    iterations) and a WARNING is logged when one falls below its threshold. The hook draws no random
    number (the global RNG states are restored anyway), changes no weight, buffer or mode, and so leaves
    the training run bit-identical. It needs a model with ``target_features(inputs) -> [B, N, D]``
    (:class:`IJEPA`, :class:`DMTJEPA`, :class:`ECIJEPA`); a DDP wrapper is unwrapped. Each rank measures
    its own batch; only rank 0 logs.

    Default thresholds, measured with 2048 tokens of demo images (RankMe grows with ``D`` and the token count):
    random init gives RankMe 38-40 for ViT-tiny (D=192), 68 for ViT-S, 108 for ViT-B, with a feature std of
    0.55-0.67; the demo recipe (ViT-tiny/8, lr 2.5e-4) stays at 32-42 / 0.52-0.59 over its 16 epochs, while
    the same run at lr 1e-3 (which the demo config notes collapses to a few dimensions) falls from 41 to 15
    (below 20 from epoch 8) at a std still ~0.5; a target encoder whose tokens are all equal gives 1.00 / 0.
    ``min_rank=10`` and ``min_std=0.1`` thus flag complete and near-complete collapse at every size without
    false alarms; partial (dimensional) collapse lowers RankMe only, so set ``min_rank`` per model for a
    stricter watch (the demo config uses 20 for D=192).

    Args:
        interval (int): Measure every ``interval`` training iterations. Defaults to 50.
        min_rank (float): Warn when RankMe falls below this (>= 1). Defaults to 10.
        min_std (float): Warn when the normalised feature std falls below this (>= 0). Defaults to 0.1.
        max_tokens (int): Tokens in the measured matrix (>= 2); images beyond those needed are not encoded.
            Defaults to 2048.
    """
    priority = 'NORMAL'  # before LoggerHook (BELOW_NORMAL), so the iteration's log line carries the values

    def __init__(self, interval: int = 50, min_rank: float = 10., min_std: float = 0.1, max_tokens: int = 2048):
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f'CollapseMonitorHook: interval={interval!r} must be a positive int')
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 2:
            raise ValueError(f'CollapseMonitorHook: max_tokens={max_tokens!r} must be an int >= 2')
        if not isinstance(min_rank, (int, float)) or isinstance(min_rank, bool) or not min_rank >= 1:
            raise ValueError(f'CollapseMonitorHook: min_rank={min_rank!r} must be a number >= 1 '
                             '(RankMe is at least 1)')
        if not isinstance(min_std, (int, float)) or isinstance(min_std, bool) or not min_std >= 0:
            raise ValueError(f'CollapseMonitorHook: min_std={min_std!r} must be a number >= 0')
        self.interval = interval
        self.min_rank = float(min_rank)
        self.min_std = float(min_std)
        self.max_tokens = max_tokens

    @staticmethod
    def _model(runner) -> torch.nn.Module:
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def before_train(self, runner) -> None:
        model = self._model(runner)
        if not callable(getattr(model, 'target_features', None)):
            raise TypeError(f'CollapseMonitorHook needs a model with target_features(inputs) (every BaseJEPA '
                            f'algorithm); {type(model).__name__} has none. Remove the hook from custom_hooks.')

    def measure(self, model: torch.nn.Module, data_batch: DATA_BATCH) -> dict:
        """``{'rankme', 'feature_std'}`` of the target tokens of (the first images of) ``data_batch``."""
        with torch.no_grad(), preserved_rng_state():
            data = model.data_preprocessor(data_batch, False)
            inputs = data['inputs'] if isinstance(data, dict) else data[0]
            if isinstance(inputs, (list, tuple)):  # multi-view batches: the first view, as IJEPA.loss does
                inputs = inputs[0]
            layout = getattr(model, 'layout', None)
            if layout is not None:  # encode only the samples needed for max_tokens tokens
                inputs = inputs[:max(1, math.ceil(self.max_tokens / layout.num_tokens))]
            tokens = model.target_features(inputs)
            tokens = subsample_rows(tokens.reshape(-1, tokens.shape[-1]), self.max_tokens).float()
            if tokens.shape[0] < 2 or not bool(torch.isfinite(tokens).all()):
                return dict(rankme=math.nan, feature_std=math.nan)
            return dict(rankme=rankme(tokens), feature_std=feature_std(tokens))

    def after_train_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        if data_batch is None or not self.every_n_train_iters(runner, self.interval):
            return
        with root_unit_gathered(runner.model):  # FSDP: the target's embeddings and norm, outside the forward
            values = self.measure(self._model(runner), data_batch)
        for key, value in values.items():
            runner.message_hub.update_scalar(f'train/{key}', value)
        self._warn(runner, values)

    def _warn(self, runner, values: dict) -> None:
        where = f'at iteration {runner.iter + 1} (epoch {runner.epoch + 1})'
        if any(math.isnan(v) for v in values.values()):
            print_log(f'CollapseMonitorHook: the target encoder gave non-finite or too few tokens {where}; '
                      'train/rankme and train/feature_std are NaN', logger='current', level=logging.WARNING)
            return
        checks: Sequence = (('rankme', values['rankme'], 'min_rank', self.min_rank),
                            ('feature_std', values['feature_std'], 'min_std', self.min_std))
        for name, value, key, threshold in checks:
            if value < threshold:
                print_log(f'CollapseMonitorHook: train/{name}={value:.4g} is below {key}={threshold:g} {where}: '
                          'the target representations are collapsing (lower the lr, check the EMA momentum '
                          'and the masks)', logger='current', level=logging.WARNING)
