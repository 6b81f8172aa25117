# Copyright (c) mmjepa contributors. All rights reserved.
"""Run the reversal-curse study and regenerate its figure and table (projects/reversal_curse_jepa/README.md).

    python projects/reversal_curse_jepa/tools/run_study.py [--seeds 0 1] [--configs ...] [--replot]

Every (config, seed) is one ``tools/train.py`` run, ``--jobs`` of them at a time (each on ``--threads`` threads;
their progress is printed every 30 s), with the seed set for the knowledge base, the initialisation and the data
order alike. Then the per-evaluation accuracies of every run
(``vis_data/scalars.json``) become ``curves.png`` (mean and standard error over seeds), ``results.md`` and
``results.json`` in ``--out-dir``, and the claim is checked: the baseline's final group-B reverse accuracy stays
near 0 (below ``--near-zero``) while each concept model's is well above it (by more than ``--margin`` points).
``--replot`` only re-reads finished runs.
"""
import argparse
import concurrent.futures
import contextlib
import datetime
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List

import numpy as np

HERE = osp.dirname(osp.dirname(osp.abspath(__file__)))
ROOT = osp.dirname(osp.dirname(HERE))
CONFIGS = [osp.join(HERE, 'configs', name) for name in (
    'gpt_tokens_kb1600-cpu.py', 'jepa_concept_kb1600-cpu.py', 'jepa_concept-memory_kb1600-cpu.py')]
BASELINE = 'gpt_tokens_kb1600-cpu'
PROBES = ('A', 'B_forward', 'B_reverse')
TITLES = {'A': 'group A (both directions trained)', 'B_forward': 'group B, trained direction',
          'B_reverse': 'group B, reverse (never trained)'}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', nargs='+', default=CONFIGS, help='study configs; the first is the baseline')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0])
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'reversal_curse_jepa'))
    parser.add_argument('--out-dir', default=osp.join(HERE, 'results'), help='curves.png, results.md, results.json')
    parser.add_argument('--threads', type=int, default=1, help='OMP_NUM_THREADS of each run')
    parser.add_argument('--jobs', type=int, default=2, help='runs at a time (one per core); 1 streams its log')
    parser.add_argument('--replot', action='store_true', help='do not train; re-read the runs in --work-dir')
    parser.add_argument('--near-zero', type=float, default=5., help='baseline reverse accuracy bound (%%)')
    parser.add_argument('--margin', type=float, default=20., help='points above the baseline a concept model needs')
    parser.add_argument('--cfg-options', nargs='+', default=[], help='passed to every tools/train.py run')
    return parser.parse_args()


def config_name(path: str) -> str:
    return osp.splitext(osp.basename(path))[0]


def train(config: str, seed: int, work_dir: str, threads: int, cfg_options: List[str], quiet: bool) -> float:
    """One ``tools/train.py`` run; returns its wall time (s). ``quiet``: its output goes to
    ``work_dir/stdout.log`` instead of the console (runs in parallel)."""
    options = [f'randomness.seed={seed}'] + [f'{loader}.dataset.kb.seed={seed}' for loader in
                                              ('train_dataloader', 'val_dataloader')] + [f'model.kb.seed={seed}']
    cmd = [sys.executable, osp.join(ROOT, 'tools', 'train.py'), config, '--work-dir', work_dir,
           '--cfg-options', *options, *cfg_options]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    start = time.time()
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'stdout.log'), 'w') if quiet else contextlib.nullcontext() as out:
        subprocess.run(cmd, check=True, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT if quiet else None)
    return time.time() - start


def last_log_line(work_dir: str) -> str:
    """The newest ``Iter(...)`` line of a quiet run's output: its progress."""
    try:
        with open(osp.join(work_dir, 'stdout.log')) as f:
            lines = [line for line in f if 'Iter(' in line]
    except FileNotFoundError:
        return 'starting'
    return lines[-1].split(' - ')[-1].strip()[:150] if lines else 'starting'


def train_all(runs: List[tuple], args) -> None:
    """Train every ``(name, config, seed, work_dir)``, ``args.jobs`` at a time; quiet runs report every 30 s."""
    start, quiet = time.time(), args.jobs > 1

    def one(run):
        name, config, seed, work_dir = run
        print(f'[study] ({time.time() - start:.0f}s) training {name}, seed {seed}', flush=True)
        seconds = train(config, seed, work_dir, args.threads, args.cfg_options, quiet)
        print(f'[study] ({time.time() - start:.0f}s) {name} seed {seed}: done in {seconds:.0f}s', flush=True)

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(one, run): run for run in runs}
        while quiet and not all(f.done() for f in futures):
            time.sleep(30)
            for future, (name, _, seed, work_dir) in futures.items():
                if future.running():
                    print(f'[study] ({time.time() - start:.0f}s) {name} seed {seed}: {last_log_line(work_dir)}',
                          flush=True)
        for future in futures:
            future.result()  # re-raise a failed run


def read_curves(work_dir: str) -> Dict[str, List]:
    """``{'step': [...], probe: [...]}`` from the newest run's ``scalars.json`` in ``work_dir``."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not logs:
        raise FileNotFoundError(f'no */vis_data/scalars.json in {work_dir}: train it first (drop --replot)')
    curves = {'step': [], **{probe: [] for probe in PROBES}}
    with open(logs[-1]) as f:
        for line in f:
            record = json.loads(line)
            if f'kb/{PROBES[0]}_acc' in record:
                curves['step'].append(record['step'])
                for probe in PROBES:
                    curves[probe].append(record[f'kb/{probe}_acc'])
    if not curves['step']:
        raise ValueError(f'{logs[-1]} holds no kb/*_acc evaluation: did the run reach its first val_interval?')
    return curves


def run_seconds(work_dir: str) -> float:
    """Seconds from the first to the last time-stamped line of the newest run's mmengine log (the Runner's life,
    without the interpreter start and imports)."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.log')))
    if not logs:
        raise FileNotFoundError(f'no */*.log in {work_dir}')
    stamps = []
    with open(logs[-1]) as f:
        for line in f:
            try:
                stamps.append(datetime.datetime.strptime(line[:19], '%Y/%m/%d %H:%M:%S'))
            except ValueError:
                continue
    if not stamps:
        raise ValueError(f'{logs[-1]} has no time-stamped line')
    return (stamps[-1] - stamps[0]).total_seconds()


def mean_se(values) -> tuple:
    values = np.asarray(values, dtype=float)
    se = values.std(axis=0, ddof=1) / np.sqrt(len(values)) if len(values) > 1 else np.zeros_like(values[0])
    return values.mean(axis=0), se


def plot(results: Dict, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(PROBES), figsize=(4.2 * len(PROBES), 3.4), sharey=True)
    for ax, probe in zip(axes, PROBES):
        for name, runs in results.items():
            steps = runs[0]['curves']['step']
            mean, se = mean_se([run['curves'][probe] for run in runs])
            line, = ax.plot(steps, mean, marker='o', ms=3, label=name)
            ax.fill_between(steps, mean - se, mean + se, color=line.get_color(), alpha=0.2)
        ax.set_title(TITLES[probe], fontsize=10)
        ax.set_xlabel('iteration')
        ax.grid(alpha=0.3)
    axes[0].set_ylabel('top-1 accuracy (%)')
    axes[0].set_ylim(-2, 102)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc='lower center', ncol=len(labels), fontsize=9, frameon=False)
    n = len(next(iter(results.values())))
    fig.suptitle(f'Reversal curse: mean $\\pm$ SE over {n} seed(s)', fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def table(results: Dict) -> str:
    rows = ['| model | seeds | ' + ' | '.join(f'{p} acc (%)' for p in PROBES) + ' | Runner time / run (s) |',
            '|---|---|' + '---|' * len(PROBES) + '---|']
    for name, runs in results.items():
        cells = []
        for probe in PROBES:
            mean, se = mean_se([run['curves'][probe][-1] for run in runs])
            cells.append(f'{mean:.1f} ± {se:.1f}')
        time_cell = f"{np.mean([run['seconds'] for run in runs]):.0f}"
        rows.append(f'| {name} | {len(runs)} | ' + ' | '.join(cells) + f' | {time_cell} |')
    return '\n'.join(rows)


def check_claim(results: Dict, near_zero: float, margin: float) -> List[str]:
    """One line per concept model: PASS/FAIL of the study's claim on the final group-B reverse accuracy."""
    names = list(results)
    base = float(np.mean([run['curves']['B_reverse'][-1] for run in results[names[0]]]))
    lines = [f'baseline {names[0]}: B_reverse {base:.1f}% ({"PASS" if base < near_zero else "FAIL"}: '
             f'near 0 means < {near_zero}%)']
    for name in names[1:]:
        value = float(np.mean([run['curves']['B_reverse'][-1] for run in results[name]]))
        verdict = 'PASS' if value > base + margin else 'FAIL'
        lines.append(f'{name}: B_reverse {value:.1f}% ({verdict}: well above means > baseline + {margin} points)')
    return lines


def main():
    args = parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    start = time.time()
    runs = [(config_name(config), config, seed, osp.join(args.work_dir, config_name(config), f'seed{seed}'))
            for config in args.configs for seed in args.seeds]
    if not args.replot:
        train_all(runs, args)
    results = {name: [] for name, *_ in runs}
    for name, _, seed, work_dir in runs:
        results[name].append(dict(seed=seed, seconds=run_seconds(work_dir), curves=read_curves(work_dir)))
    plot(results, osp.join(args.out_dir, 'curves.png'))
    text = table(results)
    verdicts = check_claim(results, args.near_zero, args.margin)
    with open(osp.join(args.out_dir, 'results.md'), 'w') as f:
        f.write(text + '\n\n' + '\n'.join(f'- {line}' for line in verdicts) + '\n')
    with open(osp.join(args.out_dir, 'results.json'), 'w') as f:
        json.dump(dict(results=results, claim=verdicts, total_seconds=None if args.replot else time.time() - start),
                  f, indent=1)
    print(text)
    print('\n'.join(verdicts))
    print(f'[study] {time.time() - start:.0f}s in all; figure and table in {args.out_dir}', flush=True)


if __name__ == '__main__':
    main()
