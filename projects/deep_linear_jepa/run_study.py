# Copyright (c) mmjepa contributors. All rights reserved.
"""The deep linear JEPA vs MAE study (`Littwin et al. 2024 <https://arxiv.org/abs/2407.03475>`_), end to end:

    python projects/deep_linear_jepa/run_study.py --out work_dirs/deep_linear [--figures-dir DIR] [--quick]

1. the gradient-flow ODEs of both objectives at depths 1, 2, 4, 8 for the two-mode spectrum of the configs;
2. the same networks trained with SGD through mmengine's Runner (this project's configs), on the static and the
   temporal linear model;
3. a heat map over a (lambda, rho) grid of which mode each objective learns first, against a reference mode
   (the balanced reduction of the same flow: one quadrature per cell);
4. beyond the paper: a ReLU MLP encoder, mmjepa's EMA target generator and I-JEPA loss on a linear encoder.
Writes ``critical_times.md``, ``results.json`` and the PNGs into ``--out`` (PNGs also into ``--figures-dir``).
"""
import argparse
import json
import os
import os.path as osp
import shutil
import sys
import time

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # the repository root

from projects.deep_linear_jepa.critical import crossing_times, critical_times, fixed_point  # noqa: E402
from projects.deep_linear_jepa.ode import balanced_critical_time, ema_rate, integrate_until_learned  # noqa: E402

CONFIG = 'jepa_deep-linear-L4_static-2modes.py'
LAMBDAS, RHOS = [1.0, 0.6], [0.7, 0.95]  # as in CONFIG: mode 0 covaries more, mode 1 is more predictive
INIT_SCALE = 0.01
# SGD step sizes (times are reported as lr * steps either way). JEPA's minima form a flat manifold along which SGD
# noise drifts; at L = 8 and lr 0.5 the drift reaches weights where the step is unstable and the run collapses
# (measured: the high-rho mode's projection swings between 0.05 and 1.5 after t ~ 2000 and falls to 7e-4 by
# t ~ 5400), so L = 8 runs at lr 0.2.
LR = dict(mae=0.1, jepa=0.5)
LR_DEEP = {('jepa', 8): 0.2}
HORIZON = 1.5  # SGD runs last this many times the ODE's later critical time


def sgd_lr(obj: str, depth: int) -> float:
    return LR_DEEP.get((obj, depth), LR[obj])
OBJECTIVES = ('mae', 'jepa')
START = time.time()


def log(msg: str) -> None:
    print(f'[{time.time() - START:6.1f}s] {msg}', flush=True)


def ode_curves(depths):
    out = {}
    for obj in OBJECTIVES:
        for depth in depths:
            t, p = integrate_until_learned(LAMBDAS, RHOS, depth, obj, INIT_SCALE, fraction=0.99, num_points=2000)
            out[obj, depth] = dict(times=t, proj=p, tcrit=critical_times(t, p, RHOS, depth, obj))
            log(f'ODE {obj} L={depth}: critical times {np.round(out[obj, depth]["tcrit"], 2).tolist()}')
    return out


def heatmap(depths, ref=(1.0, 0.7), num=21):
    lams, rhos = np.geomspace(0.1, 10, num), np.linspace(0.3, 1.0, num)
    grid_l, grid_r = np.meshgrid(lams, rhos)
    all_l, all_r = np.concatenate([[ref[0]], grid_l.ravel()]), np.concatenate([[ref[1]], grid_r.ravel()])
    maps = {}
    for obj in OBJECTIVES:
        for depth in depths:
            tc = np.array([balanced_critical_time(lam, rho, depth, obj, INIT_SCALE) for lam, rho in zip(all_l, all_r)])
            maps[obj, depth] = np.log10(tc[1:] / tc[0]).reshape(grid_l.shape)
            log(f'heat map {obj} L={depth}: {np.isnan(maps[obj, depth]).sum()} of {grid_l.size} cells start above '
                'half their fixed point')
    return dict(lambdas=lams, rhos=rhos, ref=ref, maps=maps)


def train_run(config, work_dir, iters, lr, **overrides):
    return train_sgd(config, work_dir, dict(
        overrides, train_cfg=dict(max_iters=iters), optim_wrapper=dict(optimizer=dict(lr=lr)),
        custom_hooks=[dict(type='ModeProjectionHook', interval=max(1, iters // 300))]))


def sgd_runs(out_dir, ode, depths, config=CONFIG, tag='static'):
    runs = {}
    for obj in OBJECTIVES:
        for depth in depths:
            lr = sgd_lr(obj, depth)
            iters = max(200, int(np.ceil(HORIZON * np.nanmax(ode[obj, depth]['tcrit']) / lr)))
            t0 = time.time()
            rec = train_run(config, osp.join(out_dir, f'{tag}_{obj}_L{depth}'), iters, lr,
                            model=dict(depth=depth, objective=obj))
            rec['tcrit'] = critical_times(rec['times'], rec['projections'], RHOS, depth, obj)
            rec['tcrit_resp'] = critical_times(rec['times'], rec['responses'], RHOS, depth, obj)
            runs[obj, depth] = rec
            log(f'SGD ({tag}) {obj} L={depth}: lr {lr}, {iters} iterations in {time.time() - t0:.0f}s, critical times '
                f'{np.round(rec["tcrit"], 2).tolist()} (by |W_bar e_i|: {np.round(rec["tcrit_resp"], 2).tolist()})')
    return runs


def half_of_final(rec, window=9):
    """Critical times against each run's own final projection (the mean of its last tenth), for models without a
    known fixed point; the trajectory is first smoothed by a running median over ``window`` records."""
    proj = rec['projections']
    pad = np.pad(proj, ((window // 2, window // 2), (0, 0)), mode='edge')
    smooth = np.median(np.stack([pad[k:k + len(proj)] for k in range(window)]), axis=0)
    final = proj[-max(1, len(proj) // 10):].mean(axis=0)
    return crossing_times(rec['times'], smooth, 0.5 * final), final


def beyond(out_dir, ode, depth=4):
    """Probes the analysis does not cover; their critical times use half of each run's final projection."""
    variants = {  # name: (config, objective, fixed point known)
        'linear, EMA target (momentum 0.99)': ('jepa_deep-linear-L4-ema_static-2modes.py', 'jepa', True),
        'ReLU MLP encoder, JEPA': ('jepa_mlp-L4_static-2modes.py', 'jepa', False),
        'ReLU MLP encoder, MAE': ('mae_mlp-L4_static-2modes.py', 'mae', False),
        'linear, I-JEPA target + loss': ('jepa_deep-linear-L4-ijepa-loss_static-2modes.py', 'jepa', False),
    }
    results = {}
    for k, (name, (config, obj, known)) in enumerate(variants.items()):
        cfg = Config.fromfile(osp.join(CONFIG_DIR, config))  # each probe runs with its config's lr and length
        lr, iters = cfg.optim_wrapper.optimizer.lr, cfg.train_cfg.max_iters
        t0 = time.time()
        rec = train_run(config, osp.join(out_dir, f'beyond_{k}'), iters, lr, model=dict(depth=depth))
        rec['tcrit_final'], rec['final'] = half_of_final(rec)
        rec['tcrit'] = critical_times(rec['times'], rec['projections'], RHOS, depth, obj) if known \
            else rec['tcrit_final']
        results[name] = rec
        log(f'beyond: {name}: {iters} iterations in {time.time() - t0:.0f}s, final projections '
            f'{np.round(rec["final"], 4).tolist()}, critical times {np.round(rec["tcrit"], 1).tolist()}')
    # the EMA variant also has an ODE
    t, p = integrate_until_learned(LAMBDAS, RHOS, depth, 'jepa', INIT_SCALE, fraction=0.99,
                                   ema_rate=ema_rate(0.99, LR['jepa']))
    results['linear, EMA target (momentum 0.99)']['ode_tcrit'] = critical_times(t, p, RHOS, depth, 'jepa')
    return results


def first(tc):
    """The mode learned first; a mode that never reaches its level counts as later than any that does."""
    tc = np.asarray(tc, float)
    if np.all(np.isnan(tc)):
        return 'none'
    return f'mode {int(np.nanargmin(tc))}'


def fmt(t: float) -> str:
    return 'not reached' if np.isnan(t) else f'{t:.1f}'


def table(ode, sgd, temporal, depths):
    lines = ['| L | objective | t*_0 ODE | t*_0 SGD | t*_1 ODE | t*_1 SGD | t*_0 / t*_1 (ODE) | first (ODE / SGD) '
             '| SGD by \\|W̄ e_i\\|: t*_0, t*_1 | temporal SGD t*_0, t*_1 |',
             '|---|---|---|---|---|---|---|---|---|---|']
    for obj in OBJECTIVES:
        for depth in depths:
            o, s = ode[obj, depth]['tcrit'], sgd[obj, depth]['tcrit'] if sgd else [np.nan] * 2
            r = sgd[obj, depth]['tcrit_resp'] if sgd else [np.nan] * 2
            tmp = temporal.get((obj, depth)) if temporal else None
            tmp_s = f'{fmt(tmp["tcrit"][0])}, {fmt(tmp["tcrit"][1])}' if tmp else '-'
            lines.append(f'| {depth} | {obj.upper()} | {fmt(o[0])} | {fmt(s[0])} | {fmt(o[1])} | {fmt(s[1])} | '
                         f'{o[0] / o[1]:.3f} | {first(o)} / {first(np.asarray(s))} | {fmt(r[0])}, {fmt(r[1])} '
                         f'| {tmp_s} |')
    return '\n'.join(lines)


def plot_curves(path, ode, sgd, depths):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, len(depths), figsize=(3.2 * len(depths), 5.4), squeeze=False)
    colors = ['tab:red', 'tab:blue']
    for r, obj in enumerate(OBJECTIVES):
        for c, depth in enumerate(depths):
            ax, o = axes[r, c], ode[obj, depth]
            star = fixed_point(RHOS, depth, obj)
            for m in range(2):
                label = f'mode {m} (λ={LAMBDAS[m]}, ρ={RHOS[m]})'
                ax.plot(o['times'][1:], o['proj'][1:, m] / star[m], color=colors[m], label=label + ' ODE')
                if sgd:
                    s = sgd[obj, depth]
                    ax.plot(s['times'][1::8], s['projections'][1::8, m] / star[m], 'o', ms=2.5, color=colors[m],
                            alpha=0.6, label=label + ' SGD')
                    ax.plot(s['times'][1:], s['responses'][1:, m] / star[m], '--', lw=0.8, color=colors[m],
                            alpha=0.6, label=label + ' SGD |W̄ e_i|')
                ax.axvline(o['tcrit'][m], color=colors[m], ls=':', lw=1)
            ax.axhline(0.5, color='gray', lw=0.5)
            ax.set_xscale('log')
            ax.set_xlim(o['tcrit'].min() / 20, o['times'][-1])
            ax.set_title(f'{obj.upper()}, L={depth}', fontsize=9)
            ax.set_xlabel('t = lr x steps', fontsize=8)
            if c == 0:
                ax.set_ylabel('projection (W̄)_ii / fixed point', fontsize=8)
    axes[0, 0].legend(fontsize=6, loc='upper left')
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def plot_heatmap(path, hm, depths):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, len(depths), figsize=(3.2 * len(depths), 5.8), squeeze=False,
                             constrained_layout=True)
    extent = [np.log10(hm['lambdas'][0]), np.log10(hm['lambdas'][-1]), hm['rhos'][0], hm['rhos'][-1]]
    for r, obj in enumerate(OBJECTIVES):
        for c, depth in enumerate(depths):
            ax, z = axes[r, c], hm['maps'][obj, depth]
            im = ax.imshow(z, origin='lower', extent=extent, aspect='auto', cmap='RdBu', vmin=-1, vmax=1)
            ax.contour(np.log10(hm['lambdas']), hm['rhos'], z, levels=[0], colors='k', linewidths=1)
            ax.plot(np.log10(hm['ref'][0]), hm['ref'][1], 'k*', ms=8)
            ax.set_title(f'{obj.upper()}, L={depth}', fontsize=9)
            ax.set_xlabel('log10 λ', fontsize=8)
            if c == 0:
                ax.set_ylabel('ρ', fontsize=8)
    fig.colorbar(im, ax=axes, shrink=0.8, label='log10 t*(mode) / t*(★): blue = learned before ★')
    fig.suptitle(f'which mode is learned first, against ★ (λ={hm["ref"][0]}, ρ={hm["ref"][1]}); black: equal '
                 f'times; white: starts above half its fixed point (init {INIT_SCALE})', fontsize=9)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def plot_beyond(path, results):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(results), figsize=(3.2 * len(results), 2.9), squeeze=False)
    for ax, (name, rec) in zip(axes[0], results.items()):
        for m, color in enumerate(['tab:red', 'tab:blue']):
            ax.plot(rec['times'][1:], rec['projections'][1:, m] / rec['final'][m], color=color, lw=0.8,
                    label=f'mode {m} (λ={LAMBDAS[m]}, ρ={RHOS[m]})')
        ax.set_xscale('log')
        ax.axhline(0.5, color='gray', lw=0.5)
        ax.set_title(name, fontsize=8)
        ax.set_xlabel('t = lr x steps', fontsize=8)
    axes[0, 0].set_ylabel('projection / final', fontsize=8)
    axes[0, 0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def to_json(obj):
    if isinstance(obj, dict):
        return {(','.join(map(str, k)) if isinstance(k, tuple) else str(k)): to_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_json(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_json(obj.tolist())
    if isinstance(obj, float) and np.isnan(obj):
        return None
    return obj


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='work_dirs/deep_linear', help='output folder')
    parser.add_argument('--figures-dir', help='also copy the PNGs here (e.g. projects/deep_linear_jepa/figures)')
    parser.add_argument('--quick', action='store_true', help='depths 1 and 2 only, a coarse heat map, no probes')
    parser.add_argument('--no-sgd', action='store_true', help='the ODE view only (seconds)')
    args = parser.parse_args()
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    import torch
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    depths = [1, 2] if args.quick else [1, 2, 4, 8]

    log(f'modes: lambda={LAMBDAS}, rho={RHOS}, init_scale={INIT_SCALE}, SGD lr={LR}, {LR_DEEP}')
    ode = ode_curves(depths)
    hm = heatmap(depths, num=9 if args.quick else 21)
    sgd = temporal = probes = None
    if not args.no_sgd:
        sgd = sgd_runs(args.out, ode, depths)
        temporal = sgd_runs(args.out, ode, depths[-2:-1] if not args.quick else [1],
                            config='jepa_deep-linear-L4_temporal-2modes.py', tag='temporal')
        probes = None if args.quick else beyond(args.out, ode)

    md = table(ode, sgd, temporal, depths)
    if probes:
        md += ('\n\n| probe (L=4) | t*_0 | t*_1 | first | half-of-final t*_0, t*_1 | final projections |\n'
               '|---|---|---|---|---|---|\n')
        for name, rec in probes.items():
            tc, tf, fin = rec['tcrit'], rec['tcrit_final'], rec['final']
            md += (f'| {name} | {fmt(tc[0])} | {fmt(tc[1])} | {first(tc)} | {fmt(tf[0])}, {fmt(tf[1])} '
                   f'| {fin[0]:.4f}, {fin[1]:.4f} |\n')
        ema = probes['linear, EMA target (momentum 0.99)']['ode_tcrit']
        md += f'\nEMA-target ODE (same L=4, fixed-point definition): t*_0 = {fmt(ema[0])}, t*_1 = {fmt(ema[1])}\n'
    with open(osp.join(args.out, 'critical_times.md'), 'w') as f:
        f.write(md + '\n')
    print(md, flush=True)
    pngs = ['curves.png', 'heatmap.png'] + (['beyond.png'] if probes else [])
    plot_curves(osp.join(args.out, pngs[0]), ode, sgd, depths)
    plot_heatmap(osp.join(args.out, pngs[1]), hm, depths)
    if probes:
        plot_beyond(osp.join(args.out, pngs[2]), probes)
    with open(osp.join(args.out, 'results.json'), 'w') as f:
        json.dump(to_json(dict(
            lambdas=LAMBDAS, rhos=RHOS, init_scale=INIT_SCALE, lr=LR, lr_deep={str(k): v for k, v in LR_DEEP.items()},
            ode={k: dict(tcrit=v['tcrit']) for k, v in ode.items()},
            sgd={k: dict(tcrit=v['tcrit'], tcrit_responses=v['tcrit_resp'], iters=v['iters'][-1])
                 for k, v in (sgd or {}).items()},
            temporal={k: dict(tcrit=v['tcrit']) for k, v in (temporal or {}).items()},
            probes={k: dict(tcrit=v['tcrit'], tcrit_final=v['tcrit_final'], final=v['final'])
                    for k, v in (probes or {}).items()},
            heatmap=dict(lambdas=hm['lambdas'], rhos=hm['rhos'], ref=hm['ref'], maps=hm['maps']))), f)
    if args.figures_dir:
        os.makedirs(args.figures_dir, exist_ok=True)
        for name in pngs:
            shutil.copy(osp.join(args.out, name), osp.join(args.figures_dir, name))
    log(f'done: {", ".join(pngs)}, critical_times.md, results.json in {args.out}')


if __name__ == '__main__':
    from mmengine.config import Config  # noqa: E402
    from projects.deep_linear_jepa.sgd import CONFIG_DIR, train_sgd  # noqa: E402
    main()
