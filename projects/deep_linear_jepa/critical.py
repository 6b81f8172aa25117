# Copyright (c) mmjepa contributors. All rights reserved.
"""Fixed points and critical times of the per-mode dynamics of deep linear JEPA / MAE
(`Littwin et al. 2024 <https://arxiv.org/abs/2407.03475>`_), shared by the ODE and the SGD views.

A mode's *projection* is ``w_bar_i = (W_bar)_ii``, the encoder product along the mode's own latent axis (what the
decoupled ODE evolves; :meth:`DeepLinearSelfDistill.mode_projections`). Its *critical time* is the first
gradient-flow time at which the projection reaches half of its fixed-point value.
"""
from typing import Sequence

import numpy as np

OBJECTIVES = ('jepa', 'mae')


def check_modes(lambdas: Sequence[float], rhos: Sequence[float]) -> None:
    """Refuse spectra the analysis does not cover, naming the entry to fix."""
    if len(lambdas) != len(rhos) or len(lambdas) == 0:
        raise ValueError(f'lambdas ({len(lambdas)}) and rhos ({len(rhos)}) must be non-empty and of equal length')
    for i, (lam, rho) in enumerate(zip(lambdas, rhos)):
        if not lam > 0:
            raise ValueError(f'lambdas[{i}]={lam}: a mode covariance must be positive')
        if not rho > 0:
            raise ValueError(f'rhos[{i}]={rho}: the analysis needs a positive regression coefficient')


def check_objective(objective: str) -> None:
    if objective not in OBJECTIVES:
        raise ValueError(f'objective={objective!r} must be one of {OBJECTIVES}')


def fixed_point(rhos, depth: int, objective: str) -> np.ndarray:
    """The projection ``w_bar`` the balanced dynamics converge to: ``rho**L`` for JEPA (predictor ``v = rho``,
    every layer equal to ``v``), ``rho**(L/(L+1))`` for MAE (decoder times encoder ``= rho``)."""
    check_objective(objective)
    rhos = np.asarray(rhos, dtype=float)
    return rhos ** depth if objective == 'jepa' else rhos ** (depth / (depth + 1.0))


def crossing_times(times: np.ndarray, values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """First time each column of ``values`` ([T, M], sampled at increasing ``times``) reaches ``levels`` [M],
    linearly interpolated; NaN where it starts at or above the level, or never reaches it."""
    times, values, levels = np.asarray(times, float), np.asarray(values, float), np.asarray(levels, float)
    if values.ndim != 2 or values.shape != (len(times), len(levels)):
        raise ValueError(f'values {values.shape} must be [len(times)={len(times)}, len(levels)={len(levels)}]')
    out = np.full(len(levels), np.nan)
    for m in range(len(levels)):
        above = values[:, m] >= levels[m]
        if above[0] or not above.any():
            continue
        k = int(np.argmax(above))
        v0, v1 = values[k - 1, m], values[k, m]
        out[m] = times[k - 1] + (levels[m] - v0) / (v1 - v0) * (times[k] - times[k - 1])
    return out


def critical_times(times, projections, rhos, depth: int, objective: str, fraction: float = 0.5) -> np.ndarray:
    """Time each mode's projection first reaches ``fraction`` of its fixed point (NaN if it starts above)."""
    return crossing_times(times, projections, fraction * fixed_point(rhos, depth, objective))
