# Copyright (c) mmjepa contributors. All rights reserved.
"""The deep linear JEPA study (projects/deep_linear_jepa, arXiv 2407.03475): its central claim computed from the
gradient-flow ODE, the ODE against its balanced quadrature, and SGD through mmengine's Runner against the ODE."""
import numpy as np
import pytest
import torch

from projects.deep_linear_jepa import DeepLinearSelfDistill, sample_pairs
from projects.deep_linear_jepa.critical import critical_times, crossing_times, fixed_point
from projects.deep_linear_jepa.ode import balanced_critical_time, ema_rate, integrate_modes, integrate_until_learned

LAMBDAS, RHOS = [1.0, 0.6], [0.7, 0.95]  # mode 0: higher lambda; mode 1: higher rho (the study's config)
DEPTHS = (1, 2, 4, 8)


def ode_critical(objective, depth, init_scale=0.01, **kwargs):
    t, p = integrate_until_learned(LAMBDAS, RHOS, depth, objective, init_scale, fraction=0.99, num_points=2000,
                                   **kwargs)
    return critical_times(t, p, RHOS, depth, objective)


def test_claim_mae_high_lambda_first_jepa_high_rho_first_gap_grows_with_depth():
    ratio = {obj: np.array([np.divide(*ode_critical(obj, depth)) for depth in DEPTHS]) for obj in ('mae', 'jepa')}
    # t*(high-lambda mode) / t*(high-rho mode): < 1 means the high-lambda mode is learned first
    assert np.all(ratio['mae'] < 0.9), ratio['mae']  # MAE: high lambda first at every depth
    assert ratio['jepa'][-1] > 1.5, ratio['jepa']  # deep JEPA: high rho first, by a wide margin
    assert np.all(np.diff(np.log(ratio['jepa'])) > 0.03), ratio['jepa']  # the gap grows with every depth
    assert np.all(ratio['jepa'] > ratio['mae']), ratio  # JEPA is always the more rho-greedy objective
    # MAE's ordering barely moves with depth, JEPA's reverses
    assert np.ptp(np.log(ratio['mae'])) < 0.1 < np.ptp(np.log(ratio['jepa']))


@pytest.mark.parametrize('objective,depth', [('jepa', 1), ('jepa', 3), ('mae', 1), ('mae', 4)])
def test_ode_matches_balanced_quadrature(objective, depth):
    ode = ode_critical(objective, depth)
    quad = [balanced_critical_time(lam, rho, depth, objective, 0.01) for lam, rho in zip(LAMBDAS, RHOS)]
    np.testing.assert_allclose(ode, quad, rtol=2e-3)


def test_fixed_point_and_start_above_half():
    np.testing.assert_allclose(fixed_point([0.5], 3, 'jepa'), [0.125])
    np.testing.assert_allclose(fixed_point([0.5], 3, 'mae'), [0.5 ** 0.75])
    assert np.isnan(balanced_critical_time(1.0, 0.3, 8, 'jepa', 0.01))  # 0.3^8 / 2 < 0.01: never learned from below
    t, p = integrate_modes([1.0], [0.3], 8, 'jepa', 0.01, t_max=1e4)
    assert p[-1, 0] < 0.01 * 0.5  # the low-rho mode shrinks instead
    with pytest.raises(ValueError, match='objective'):
        fixed_point([0.5], 2, 'byol')
    with pytest.raises(ValueError, match=r'rhos\[1\]'):
        integrate_modes([1.0, 1.0], [0.5, -0.2], 2, 'jepa', 0.01, 10.0)


@pytest.mark.parametrize('process,exact,tol',
                         [('static', True, 1e-6), ('static', False, 0.03), ('temporal', False, 0.03)])
def test_pairs_have_the_configured_spectrum(process, exact, tol):
    pairs = sample_pairs(LAMBDAS, RHOS, 200000, process=process, seed=1, exact_moments=exact)
    x, y = pairs['x'].astype(float), pairs['y'].astype(float)
    cxx, cyx = x.T @ x / len(x), y.T @ x / len(x)
    np.testing.assert_allclose(np.diag(cxx), LAMBDAS, rtol=tol)
    np.testing.assert_allclose(np.diag(cyx) / np.diag(cxx), RHOS, rtol=tol)
    assert max(abs(cxx[0, 1]), abs(cyx[0, 1]), abs(cyx[1, 0])) < (1e-6 if exact else 0.02)
    with pytest.raises(ValueError, match='rho < 1'):
        sample_pairs([1.0], [1.0], 10, process='temporal')


def test_balanced_init_and_projections():
    model = DeepLinearSelfDistill(num_modes=2, depth=3, objective='jepa', init_scale=0.01, width=5)
    np.testing.assert_allclose(model.encoder.product().detach(), 0.01 * torch.eye(5, 2), atol=1e-7)
    np.testing.assert_allclose(model.mode_projections([1.0, 1.0]), [0.01, 0.01], rtol=1e-5)
    np.testing.assert_allclose(model.mode_responses([1.0, 1.0]), [0.01, 0.01], rtol=1e-5)
    shallow = DeepLinearSelfDistill(num_modes=2, depth=1, init_scale=0.01, width=5)
    with torch.no_grad():  # a leak of mode 0 into latent axis 1 is a response, not mode 0's projection
        shallow.encoder.layers[0].weight[1, 0] += 0.01
    np.testing.assert_allclose(shallow.mode_projections([1.0, 1.0]), [0.01, 0.01], rtol=1e-5)
    np.testing.assert_allclose(shallow.mode_responses([1.0, 1.0]), [0.01 * 2 ** 0.5, 0.01], rtol=1e-5)
    mlp = DeepLinearSelfDistill(num_modes=2, depth=3, encoder='mlp', init='random', width=8)
    assert mlp.mode_projections([1.0, 0.5]).shape == (2,)
    with pytest.raises(ValueError, match='target'):
        DeepLinearSelfDistill(num_modes=2, depth=2, target='online')


def test_ijepa_target_and_loss_on_a_linear_encoder():
    from mmjepa.models.target_generators import EMATargetGenerator
    model = DeepLinearSelfDistill(num_modes=2, depth=2, width=6, target='ema', ema_momentum=0.5, target_norm=True,
                                  loss=dict(type='JEPAPredictionLoss', criterion='smooth_l1'))
    assert isinstance(model.target_generator, EMATargetGenerator)
    x, y = torch.randn(16, 2), torch.randn(16, 2)
    target = model.jepa_targets(y)
    np.testing.assert_allclose(target.mean(-1), 0, atol=1e-5)  # layer-normalised
    with torch.no_grad():
        model.encoder.layers[0].weight.mul_(3.0)
    model.loss(x, y)
    model.loss(x, y)  # the second call moves the EMA copy half way to the online weights
    np.testing.assert_allclose(model.target_generator.encoder.layers[0].weight,
                               2.0 * model.encoder.layers[0].weight.detach() / 3.0, rtol=1e-5)


@pytest.mark.parametrize('objective,depth,init_scale,iters,extra', [
    ('mae', 2, 0.01, 120, {}),
    ('jepa', 1, 0.1, 150, {}),
    ('jepa', 1, 0.1, 150, dict(target='ema', ema_momentum=0.9)),
])
def test_sgd_through_the_runner_follows_the_ode(tmp_path, objective, depth, init_scale, iters, extra):
    from projects.deep_linear_jepa.sgd import train_sgd
    torch.set_num_threads(1)
    rec = train_sgd('jepa_deep-linear-L4_static-2modes.py', str(tmp_path), dict(
        model=dict(depth=depth, objective=objective, init_scale=init_scale, **extra),
        train_cfg=dict(max_iters=iters), optim_wrapper=dict(optimizer=dict(lr=0.2)),
        custom_hooks=[dict(type='ModeProjectionHook', interval=2)]))
    assert rec['lambdas'] == LAMBDAS and rec['rhos'] == RHOS and rec['projections'].shape == (iters // 2 + 1, 2)
    lr = 0.2
    np.testing.assert_allclose(rec['times'], lr * np.arange(0, iters + 1, 2), rtol=1e-6)
    rate = ema_rate(extra['ema_momentum'], lr) if 'ema_momentum' in extra else None
    t, p = integrate_modes(LAMBDAS, RHOS, depth, objective, init_scale, rec['times'][-1], num_points=3000,
                           ema_rate=rate)
    star = fixed_point(RHOS, depth, objective)
    # per-mode trajectories: the times at which each mode passes 10%, 15%, ..., 70% of its fixed point (the rise,
    # from 1.5 times the start; closer to JEPA's flat manifold of minima SGD noise, not the flow, moves the weights)
    levels = [f * star for f in np.arange(0.1, 0.72, 0.05) if np.all(f * star > 1.5 * init_scale)]
    assert len(levels) >= 9
    sgd = np.array([crossing_times(rec['times'], rec['projections'], level) for level in levels])
    ode = np.array([crossing_times(t, p, level) for level in levels])
    np.testing.assert_allclose(sgd, ode, rtol=0.05)
    np.testing.assert_allclose(critical_times(rec['times'], rec['projections'], RHOS, depth, objective),
                               critical_times(t, p, RHOS, depth, objective), rtol=0.04)
