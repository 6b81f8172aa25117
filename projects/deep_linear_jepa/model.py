# Copyright (c) mmjepa contributors. All rights reserved.
"""Deep linear (or small MLP) self-distillation networks trained with the JEPA or the MAE objective
(`Littwin et al. 2024 <https://arxiv.org/abs/2407.03475>`_)."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmpretrain.registry import MODELS
from torch import nn

from mmjepa.models.target_generators import EMATargetGenerator

from .critical import check_objective

ENCODERS = ('linear', 'mlp')
TARGETS = ('stopgrad', 'ema')


class DeepEncoder(nn.Module):
    """``W_L ... W_1 x`` (``'linear'``) or the same layers with a ReLU between them (``'mlp'``), no biases.

    ``init='balanced'``: every layer has all singular values ``init_scale ** (1 / L)`` and the hidden layers are
    random rotations that cancel in the product, so ``W_bar(0) = init_scale * E`` (``E`` embeds the ``M`` input
    modes in the first ``M`` of ``width`` output axes) and each mode evolves on its own. ``init='random'``:
    ``N(0, init_scale ** (2 / L) / fan_in)`` per entry.
    """

    def __init__(self, in_dims: int, width: int, depth: int, kind: str = 'linear', init: str = 'balanced',
                 init_scale: float = 0.01, seed: int = 0):
        super().__init__()
        if kind not in ENCODERS:
            raise ValueError(f'encoder={kind!r} must be one of {ENCODERS}')
        if depth < 1 or width < in_dims:
            raise ValueError(f'need depth >= 1 (got {depth}) and width >= the number of modes ({width} < {in_dims})')
        self.kind, self.depth, self.init = kind, depth, init
        self.layers = nn.ModuleList(nn.Linear(in_dims if l == 0 else width, width, bias=False) for l in range(depth))
        gen = torch.Generator().manual_seed(seed)
        u0 = init_scale ** (1.0 / depth)
        with torch.no_grad():
            if init == 'balanced':
                prev = torch.eye(width, in_dims)
                for l, layer in enumerate(self.layers):
                    rot = torch.eye(width) if l == depth - 1 else torch.linalg.qr(
                        torch.randn(width, width, generator=gen))[0]
                    layer.weight.copy_(u0 * rot @ prev.T if l else u0 * rot @ prev)
                    prev = rot
            elif init == 'random':
                for layer in self.layers:
                    layer.weight.normal_(0, u0 / layer.in_features ** 0.5, generator=gen)
            else:
                raise ValueError(f"init={init!r} must be 'balanced' or 'random'")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for l, layer in enumerate(self.layers):
            x = layer(x)
            if self.kind == 'mlp' and l < self.depth - 1:
                x = F.relu(x)
        return x

    forward_tokens = forward  # the entry point mmjepa's EMATargetGenerator calls

    def product(self) -> torch.Tensor:
        """``W_bar = W_L ... W_1`` ([width, M]; linear encoders only)."""
        if self.kind != 'linear':
            raise ValueError('W_bar is defined for the linear encoder only')
        out = self.layers[0].weight
        for layer in self.layers[1:]:
            out = layer.weight @ out
        return out


@MODELS.register_module()
class DeepLinearSelfDistill(BaseModel):
    """JEPA ``1/2 ||V W x - sg(W y)||^2`` or MAE ``1/2 ||V W x - y||^2`` on pairs ``(x, y)``.

    Args:
        num_modes (int): Input dimension (one axis per mode).
        depth (int): Encoder layers ``L``.
        objective (str): ``'jepa'`` or ``'mae'``.
        init_scale (float): ``W_bar(0)`` scale; the predictor/decoder starts at ``init_scale ** (1 / L)`` times
            the identity (balanced with the encoder layers). Defaults to 0.01.
        width (int, optional): Latent and hidden width; defaults to ``num_modes``.
        encoder (str): ``'linear'`` or ``'mlp'`` (see :class:`DeepEncoder`). Defaults to ``'linear'``.
        init (str): ``'balanced'`` or ``'random'``. Defaults to ``'balanced'``.
        target (str): JEPA target: ``'stopgrad'`` (the online encoder, detached) or ``'ema'`` (mmjepa's
            :class:`EMATargetGenerator`, moved once per step with ``ema_momentum``). Defaults to ``'stopgrad'``.
        ema_momentum (float): EMA momentum. Defaults to 0.99.
        target_norm (bool): Layer-normalise the JEPA targets without affine parameters, as I-JEPA does.
            Defaults to False.
        loss (dict, optional): A registered loss ``loss(pred, target)`` (e.g. mmjepa's ``JEPAPredictionLoss``);
            the default is the paper's half squared error, summed over axes and averaged over the batch.
        seed (int): Seed of the initial rotations / weights. Defaults to 0.
    """

    def __init__(self, num_modes: int, depth: int, objective: str = 'jepa', init_scale: float = 0.01,
                 width: Optional[int] = None, encoder: str = 'linear', init: str = 'balanced',
                 target: str = 'stopgrad', ema_momentum: float = 0.99, target_norm: bool = False,
                 loss: Optional[dict] = None, seed: int = 0, data_preprocessor: Optional[dict] = None):
        super().__init__(data_preprocessor=data_preprocessor)
        check_objective(objective)
        if target not in TARGETS:
            raise ValueError(f'target={target!r} must be one of {TARGETS}')
        if not 0 < init_scale < 1 or not 0 <= ema_momentum < 1:
            raise ValueError(f'need 0 < init_scale < 1 (got {init_scale}) and 0 <= ema_momentum < 1 '
                             f'(got {ema_momentum})')
        width = width or num_modes
        self.objective, self.target, self.ema_momentum, self.target_norm = objective, target, ema_momentum, target_norm
        self.encoder = DeepEncoder(num_modes, width, depth, encoder, init, init_scale, seed)
        out_dims = width if objective == 'jepa' else num_modes
        self.head = nn.Linear(width, out_dims, bias=False)  # JEPA predictor V, or MAE decoder
        with torch.no_grad():
            self.head.weight.copy_(init_scale ** (1.0 / depth) * torch.eye(out_dims, width))
        self.loss_module = MODELS.build(loss) if loss is not None else None
        self.target_generator = None
        if objective == 'jepa' and target == 'ema':
            self.target_generator = EMATargetGenerator(self.encoder, normalize=target_norm)
        self._steps = 0

    def jepa_targets(self, y: torch.Tensor) -> torch.Tensor:
        if self.target_generator is not None:
            return self.target_generator.features(y)
        with torch.no_grad():
            h = self.encoder(y)
        return F.layer_norm(h, h.shape[-1:]) if self.target_norm else h

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> Dict[str, torch.Tensor]:
        if self.target_generator is not None and self._steps > 0:
            self.target_generator.ema_step(self.encoder, self.ema_momentum)  # the update due after the last step
        self._steps += 1
        pred = self.head(self.encoder(x))
        target = self.jepa_targets(y) if self.objective == 'jepa' else y
        if self.loss_module is not None:
            return dict(loss=self.loss_module(pred, target))
        return dict(loss=0.5 * (pred - target).pow(2).sum(-1).mean())

    @torch.no_grad()
    def mode_responses(self, amplitudes: Sequence[float]) -> torch.Tensor:
        """How strongly the encoder output responds to each mode, in any latent direction: ``|W_bar e_i|``
        (linear encoder), or the central difference ``|f(a e_i) - f(-a e_i)| / 2a`` at the mode's std ``a``."""
        if self.encoder.kind == 'linear':
            return self.encoder.product().norm(dim=0)
        amp = torch.as_tensor(amplitudes, dtype=torch.float32)
        probe = torch.diag(amp)
        return (self.encoder(probe) - self.encoder(-probe)).norm(dim=1) / (2 * amp)

    @torch.no_grad()
    def mode_projections(self, amplitudes: Sequence[float]) -> torch.Tensor:
        """Each mode's projection onto its own latent axis, ``|(W_bar)_ii|``, for the balanced linear encoder
        (whose latent axis ``i`` starts as mode ``i``'s and is the one its dynamics grow); otherwise
        :meth:`mode_responses`. The two differ by what leaks from other modes' learned directions."""
        if self.encoder.kind == 'linear' and self.encoder.init == 'balanced':
            return self.encoder.product().diagonal().abs()
        return self.mode_responses(amplitudes)

    def forward(self, x: torch.Tensor, y: Optional[torch.Tensor] = None, mode: str = 'tensor'):
        if mode == 'loss':
            if y is None:
                raise ValueError("mode='loss' needs the target view y")
            return self.loss(x, y)
        if mode == 'tensor':
            return self.encoder(x)
        raise ValueError(f"mode={mode!r}: this model supports 'loss' and 'tensor'")
