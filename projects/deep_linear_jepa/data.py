# Copyright (c) mmjepa contributors. All rights reserved.
"""Synthetic pairs ``(x, y)`` with ``Sigma_xx = diag(lambda)`` and ``Sigma_yx = diag(lambda * rho)``: the static
and the temporal linear models of `Littwin et al. 2024 <https://arxiv.org/abs/2407.03475>`_ (section 4 there;
the parametrisation by ``(lambda, rho)`` per mode is this study's)."""
from typing import Dict, Sequence

import numpy as np
import torch
from mmpretrain.registry import DATASETS
from torch.utils.data import Dataset

from .critical import check_modes

PROCESSES = ('static', 'temporal')


def sample_pairs(lambdas: Sequence[float], rhos: Sequence[float], num_samples: int, process: str = 'static',
                 noise_std: float = 1.0, seed: int = 0, exact_moments: bool = True) -> Dict[str, np.ndarray]:
    """``num_samples`` pairs, float32 arrays ``x``, ``y`` of shape [N, M] (mode ``i`` on axis ``i``).

    ``static``: ``x ~ N(0, diag(lambda))``, ``y = rho * x + noise_std * xi`` (the noise of ``y`` changes neither
    objective's gradient). ``temporal``: one stationary trajectory of ``x_{t+1} = rho * x_t + sqrt(lambda (1 -
    rho^2)) xi_t`` and its consecutive pairs ``(x_t, x_{t+1})`` (so ``0 < rho < 1``).

    ``exact_moments`` (static model): whiten the draws so that the pool's own ``x^T x / N`` is exactly
    ``diag(lambda)`` and its ``y^T x / N`` exactly ``diag(lambda * rho)``; sampling error would otherwise couple
    the modes (a 1e-3 cross-covariance lets a late mode grow through an early mode's learned direction).
    """
    check_modes(lambdas, rhos)
    if process not in PROCESSES:
        raise ValueError(f'process={process!r} must be one of {PROCESSES}')
    if num_samples < 1:
        raise ValueError(f'num_samples must be positive, got {num_samples}')
    lam, rho = np.asarray(lambdas, float), np.asarray(rhos, float)
    rng = np.random.default_rng(seed)
    if process == 'static':
        z, noise = rng.standard_normal((num_samples, len(lam))), rng.standard_normal((num_samples, len(lam)))
        if exact_moments:
            if num_samples <= len(lam):
                raise ValueError(f'exact_moments needs more samples ({num_samples}) than modes ({len(lam)})')
            evals, evecs = np.linalg.eigh(z.T @ z / num_samples)
            z = z @ evecs @ np.diag(evals ** -0.5) @ evecs.T
            noise -= z @ (z.T @ noise) / num_samples  # exactly uncorrelated with x
        x = z * np.sqrt(lam)
        y = rho * x + noise_std * noise
    else:
        if np.any(rho >= 1):
            raise ValueError(f'the temporal model needs every rho < 1 (a stationary process), got {list(rhos)}')
        traj = np.empty((num_samples + 1, len(lam)))
        traj[0] = rng.standard_normal(len(lam)) * np.sqrt(lam)
        innovation = rng.standard_normal(traj[1:].shape) * np.sqrt(lam * (1 - rho ** 2))
        for t in range(num_samples):
            traj[t + 1] = rho * traj[t] + innovation[t]
        x, y = traj[:-1], traj[1:]
    return dict(x=x.astype(np.float32), y=y.astype(np.float32))


@DATASETS.register_module()
class LinearPairDataset(Dataset):
    """A fixed pool of pairs from :func:`sample_pairs`; the sampler draws the SGD minibatches from it.

    Args:
        lambdas (list[float]): Per-mode covariance of ``x``.
        rhos (list[float]): Per-mode regression coefficient of ``y`` on ``x``.
        num_samples (int): Pool size. Defaults to 100000.
        process (str): ``'static'`` or ``'temporal'``. Defaults to ``'static'``.
        noise_std (float): Std of the static model's target noise. Defaults to 1.0.
        seed (int): Seed of the pool. Defaults to 0.
        exact_moments (bool): Whiten the static pool (see :func:`sample_pairs`). Defaults to True.
    """

    def __init__(self, lambdas: Sequence[float], rhos: Sequence[float], num_samples: int = 100000,
                 process: str = 'static', noise_std: float = 1.0, seed: int = 0, exact_moments: bool = True):
        self.lambdas, self.rhos, self.process = list(lambdas), list(rhos), process
        pairs = sample_pairs(lambdas, rhos, num_samples, process, noise_std, seed, exact_moments)
        self.x, self.y = torch.from_numpy(pairs['x']), torch.from_numpy(pairs['y'])
        self.metainfo = dict(lambdas=self.lambdas, rhos=self.rhos, process=process)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, idx: int) -> Dict[str, torch.Tensor]:
        return dict(x=self.x[idx], y=self.y[idx])
