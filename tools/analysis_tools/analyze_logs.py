# Copyright (c) mmjepa contributors. All rights reserved.
"""Training curves of mmjepa runs, as mmpretrain's ``analyze_logs.py plot_curve``.

    python tools/analysis_tools/analyze_logs.py plot_curve WORK_DIR [WORK_DIR_OR_JSON ...]
        [--keys loss lr ema_momentum rankme] [--legend NAME ...] [--title T] [--out curves.png]

Reads the JSON-lines scalars mmengine writes during training: ``<work_dir>/<timestamp>/vis_data/scalars.json``
(``<timestamp>.json`` beside it when there is no ``scalars.json``), every run of a work dir in time order, so
that a resumed run continues its curve (an iteration logged twice keeps the later run's value); a JSON file
may also be given directly. One subplot per key, the iteration on x, one line per given work dir. The keys
default to ``loss``, ``lr``, ``ema_momentum`` and ``rankme`` (the :class:`CollapseMonitorHook`'s
``train/rankme``, logged as ``rankme``), those present; ``feature_std``, ``base_lr``, ``time``, ... on request.
"""
import argparse
import glob
import json
import os.path as osp
import sys
from typing import Dict, List, Sequence, Tuple

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa

from mmjepa.visualization.figure import new_figure, save_figure  # noqa: E402

DEFAULT_KEYS = ('loss', 'lr', 'ema_momentum', 'rankme')
POSITION_KEYS = ('epoch', 'iter', 'step')  # where an entry was logged, not curves
Curves = Dict[str, Tuple[np.ndarray, np.ndarray]]  # key -> (iterations, values)


def find_logs(path: str) -> List[str]:
    """The scalar logs of ``path``: itself if a file, else those of each run under the work dir (or of the
    run folder / ``vis_data`` folder given), oldest run first."""
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise FileNotFoundError(f'{path!r} is neither a work dir nor a log file')
    logs = []
    for vis_data in sorted(glob.glob(osp.join(path, '*', 'vis_data')) + glob.glob(osp.join(path, 'vis_data')) +
                           ([path] if osp.basename(osp.normpath(path)) == 'vis_data' else [])):
        run = osp.basename(osp.dirname(osp.abspath(vis_data)))
        for name in ('scalars.json', f'{run}.json'):
            if osp.isfile(osp.join(vis_data, name)):
                logs.append(osp.join(vis_data, name))
                break
    if not logs:
        raise FileNotFoundError(f'No training log under {path!r}: expected <work_dir>/<timestamp>/vis_data/'
                                "scalars.json, which mmengine's LocalVisBackend writes (vis_backends in the config)")
    return logs


def read_scalars(files: Sequence[str]) -> Curves:
    """The numeric scalars of the training iterations in ``files`` (JSON lines), merged in file order by
    iteration (a later file's value wins): key -> (sorted iterations, values)."""
    table: Dict[str, Dict[int, float]] = {}
    for filename in files:
        with open(filename) as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f'{filename}:{number} is not a JSON line ({exc.msg})') from None
                if 'iter' not in entry:  # a validation entry (its step is the epoch)
                    continue
                for key, value in entry.items():
                    if key not in POSITION_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
                        table.setdefault(key, {})[int(entry['iter'])] = float(value)
    return {key: (np.array(sorted(points)), np.array([points[i] for i in sorted(points)]))
            for key, points in table.items()}


def select_keys(runs: Sequence[Curves], keys: Sequence[str] = None) -> List[str]:
    """``keys`` (each must be in some run; ``train/x`` is read as ``x``), or the default keys present."""
    available = sorted(set().union(*runs))
    if not keys:
        keys = [key for key in DEFAULT_KEYS if key in available]
        if not keys:
            raise KeyError(f'None of the default keys {list(DEFAULT_KEYS)} is in the log; available: {available}')
        return keys
    chosen = []
    for key in keys:
        name = key if key in available else key.split('/', 1)[-1]
        if name not in available:
            raise KeyError(f'Key {key!r} is not in the log; available: {available}')
        chosen.append(name)
    return chosen


def plot_curves(runs: Sequence[Curves], keys: Sequence[str], names: Sequence[str], title: str, out: str,
                width_px: int = 800, row_px: int = 200) -> Tuple[int, int]:
    """One subplot per key (x: iteration), one line per run; written to ``out``; returns the PNG size."""
    top, bottom = 40, 50
    size = (width_px, top + bottom + row_px * len(keys))
    fig = new_figure(*size)
    axes = fig.subplots(len(keys), 1, sharex=True, squeeze=False)[:, 0]
    fig.subplots_adjust(left=0.1, right=0.97, top=1 - top / size[1], bottom=bottom / size[1], hspace=0.15)
    fig.suptitle(title, y=1 - 8 / size[1], va='top', fontsize=10)
    for ax, key in zip(axes, keys):
        for run, name in zip(runs, names):
            if key in run:
                x, y = run[key]
                ax.plot(x, y, marker='.' if len(x) < 50 else None, markersize=3, linewidth=1.2, label=name)
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.ticklabel_format(axis='y', style='sci', scilimits=(-3, 4), useOffset=False)
    axes[-1].set_xlabel('iteration')
    if len(runs) > 1:
        axes[0].legend(fontsize=8)
    save_figure(fig, out)
    return size


def plot_curve(args) -> dict:
    if args.legend and len(args.legend) != len(args.logs):
        raise ValueError(f'--legend has {len(args.legend)} names for {len(args.logs)} logs')
    runs, names = [], []
    for path in args.logs:
        files = find_logs(path)
        print(f'{path}: {len(files)} log file(s): {", ".join(files)}')
        runs.append(read_scalars(files))
        names.append(osp.basename(osp.normpath(path)))
    keys = select_keys(runs, args.keys)
    names = args.legend or names
    title = args.title or ', '.join(names)
    size = plot_curves(runs, keys, names, title, args.out)
    for key in keys:
        for run, name in zip(runs, names):
            if key in run:
                x, y = run[key]
                print(f'{name} {key}: {len(x)} points, iterations {x[0]}-{x[-1]}, first {y[0]:.4g}, last {y[-1]:.4g}')
    print(f'written to {args.out} ({size[0]}x{size[1]} px)')
    return dict(out=args.out, size=size, keys=keys, runs=runs)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Analyze the training logs of mmjepa runs')
    commands = parser.add_subparsers(dest='command', required=True)
    curve = commands.add_parser('plot_curve', help='curves of logged scalars over iterations')
    curve.add_argument('logs', nargs='+', help='work dirs (or their vis_data JSON files)')
    curve.add_argument('--keys', nargs='+', help=f'scalars to plot (default: those of {list(DEFAULT_KEYS)} present)')
    curve.add_argument('--legend', nargs='+', help='a name per log (default: the folder or file names)')
    curve.add_argument('--title', help='figure title (default: the names)')
    curve.add_argument('--out', default='curves.png', help='output PNG')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    return dict(plot_curve=plot_curve)[args.command](args)


if __name__ == '__main__':
    main()
