# Copyright (c) mmjepa contributors. All rights reserved.
"""Gradient-flow ODEs of deep linear JEPA and MAE on simultaneously diagonalisable data
(`Littwin et al. 2024 <https://arxiv.org/abs/2407.03475>`_).

With ``Sigma_xx = diag(lambda)``, ``Sigma_yx = diag(lambda * rho)`` and an initialisation aligned with the modes,
every mode evolves on its own: an encoder product ``w_bar = w_L ... w_1`` and a predictor (JEPA) or decoder
(MAE) scalar ``v``. With ``r`` the residual of the population loss,

    JEPA: r = v w_bar - t rho,  t = w_bar (stop-gradient) or t = tau_L ... tau_1 (EMA target)
    MAE:  r = v w_bar - rho
    dv/dt = -lambda w_bar r,    dw_l/dt = -lambda v r prod_{k != l} w_k,    dtau_l/dt = kappa (w_l - tau_l)

where ``kappa = -ln(momentum) / lr`` (:func:`ema_rate`; about ``(1 - momentum) / lr``) turns one EMA step per SGD
step into gradient-flow time ``t = lr * steps``.
Every layer is integrated (nothing assumes balance); the balanced small initialisation sets all ``L`` encoder
layers and ``v`` to ``init_scale ** (1 / L)``, so ``w_bar(0) = init_scale`` at every depth.
"""
from typing import Optional, Sequence, Tuple

import numpy as np
from scipy.integrate import quad, solve_ivp

from .critical import check_modes, check_objective, fixed_point


def ema_rate(momentum: float, lr: float) -> float:
    """The continuous rate of an EMA moved once per SGD step of size ``lr``: ``m^k = exp(-kappa * lr * k)``."""
    if not 0 < momentum < 1 or not lr > 0:
        raise ValueError(f'need 0 < momentum < 1 (got {momentum}) and lr > 0 (got {lr})')
    return -np.log(momentum) / lr


def _exclusive_products(w: np.ndarray) -> np.ndarray:
    """``prod_{k != l} w[:, k]`` for every column ``l`` (no division, so a zero layer is handled)."""
    ones = np.ones((w.shape[0], 1))
    before = np.cumprod(np.concatenate([ones, w[:, :-1]], axis=1), axis=1)
    after = np.cumprod(np.concatenate([ones, w[:, :0:-1]], axis=1), axis=1)[:, ::-1]
    return before * after


def mode_flow(lambdas: np.ndarray, rhos: np.ndarray, depth: int, objective: str, ema_rate: Optional[float]):
    """Right-hand side ``f(t, state)`` of the per-mode gradient flow; ``state`` is ``[M, 1 + L (+ L)]``
    flattened: ``v``, the ``L`` encoder layers and, with ``ema_rate``, the ``L`` EMA target layers."""
    check_objective(objective)
    n = len(lambdas)

    def flow(_t, state):
        s = state.reshape(n, -1)
        v, w = s[:, 0], s[:, 1:1 + depth]
        wbar = np.prod(w, axis=1)
        if objective == 'mae':
            r = v * wbar - rhos
        else:
            target = np.prod(s[:, 1 + depth:], axis=1) if ema_rate is not None else wbar
            r = v * wbar - target * rhos
        ds = np.empty_like(s)
        ds[:, 0] = -lambdas * wbar * r
        ds[:, 1:1 + depth] = -(lambdas * v * r)[:, None] * _exclusive_products(w)
        if ema_rate is not None and objective == 'jepa':
            ds[:, 1 + depth:] = ema_rate * (w - s[:, 1 + depth:])
        return ds.ravel()

    return flow


def integrate_modes(lambdas: Sequence[float], rhos: Sequence[float], depth: int, objective: str,
                    init_scale: float, t_max: float, num_points: int = 400, ema_rate: Optional[float] = None,
                    rtol: float = 1e-8) -> Tuple[np.ndarray, np.ndarray]:
    """Integrate every mode from the balanced small initialisation up to ``t_max``.

    Returns ``times`` [T] (0, then log-spaced) and the projections ``w_bar`` [T, M].
    """
    check_modes(lambdas, rhos)
    if depth < 1 or not 0 < init_scale < 1 or not t_max > 0:
        raise ValueError(f'need depth >= 1 (got {depth}), 0 < init_scale < 1 (got {init_scale}), t_max > 0 '
                         f'(got {t_max})')
    lam, rho = np.asarray(lambdas, float), np.asarray(rhos, float)
    u0 = init_scale ** (1.0 / depth)
    width = 1 + depth + (depth if ema_rate is not None and objective == 'jepa' else 0)
    state0 = np.full((len(lam), width), u0)
    flow = mode_flow(lam, rho, depth, objective, ema_rate if objective == 'jepa' else None)
    times = np.concatenate([[0.0], np.geomspace(min(1e-3, t_max / 10), t_max, num_points - 1)])
    sol = solve_ivp(flow, (0.0, t_max), state0.ravel(), method='LSODA', t_eval=times, rtol=rtol,
                    atol=1e-12 * np.ones(state0.size))
    if not sol.success:
        raise RuntimeError(f'ODE integration failed: {sol.message}')
    states = sol.y.T.reshape(len(times), len(lam), width)
    return times, np.prod(states[:, :, 1:1 + depth], axis=2)


def integrate_until_learned(lambdas: Sequence[float], rhos: Sequence[float], depth: int, objective: str,
                            init_scale: float, fraction: float = 0.9, t_start: float = 10.0, max_doublings: int = 24,
                            **kwargs) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`integrate_modes` over a horizon doubled until every mode that rises has passed ``fraction`` of its
    fixed point (modes that start above it are not waited for)."""
    target = fraction * fixed_point(rhos, depth, objective)
    rising = init_scale < target
    t_max = t_start
    for _ in range(max_doublings):
        times, proj = integrate_modes(lambdas, rhos, depth, objective, init_scale, t_max, **kwargs)
        if np.all(proj[-1][rising] >= target[rising]):
            return times, proj
        t_max *= 2
    raise RuntimeError(f'modes {np.flatnonzero(proj[-1] < target).tolist()} did not reach {fraction} of their '
                       f'fixed point by t={t_max / 2:g}')


def balanced_critical_time(lam: float, rho: float, depth: int, objective: str, init_scale: float,
                           fraction: float = 0.5) -> float:
    """The critical time of one mode from the balanced reduction of the flow (no EMA).

    Both flows conserve ``v^2 - w_l^2`` (for JEPA the stop-gradient leaves ``v dL/dv = w_bar dL/dw_bar``), so a
    balanced start stays balanced, ``v = w_l = u``, and the flow is one scalar ODE per mode:
    ``du/dt = lambda u^{2L} (rho - u)`` (JEPA) or ``lambda u^L (rho - u^{L+1})`` (MAE). Its critical time is the
    quadrature ``int du / (du/dt)`` from ``init_scale^(1/L)`` to ``(fraction * w_bar*)^(1/L)``; NaN if the
    start is already there.
    """
    check_objective(objective)
    check_modes([lam], [rho])
    u0 = init_scale ** (1.0 / depth)
    u1 = (fraction * float(fixed_point([rho], depth, objective)[0])) ** (1.0 / depth)
    if u0 >= u1:
        return float('nan')
    if objective == 'jepa':
        def dt_ds(s):  # s = log u, dt = u ds / (du/dt)
            u = np.exp(s)
            return u ** (1 - 2 * depth) / (lam * (rho - u))
    else:
        def dt_ds(s):
            u = np.exp(s)
            return u ** (1 - depth) / (lam * (rho - u ** (depth + 1)))
    return float(quad(dt_ds, np.log(u0), np.log(u1), limit=200, epsabs=0, epsrel=1e-9)[0])
