# Copyright (c) mmjepa contributors. All rights reserved.
"""Rollout sweep of action-chunk policies (`ACT-JEPA <https://arxiv.org/abs/2501.14622>`_ against its ACT
baseline): train every config once per training seed, run its rollout evaluation (``RolloutTestLoop``), and
report per task and for the mean over tasks the success rate (%) as mean +- standard error over the seeds.

    python tools/analysis_tools/rollout_sweep.py CONFIG [CONFIG ...] [--seeds 0 1 2] [--work-dir DIR]
        [--baseline NAME] [--cfg-options k=v ...]

Each run sets ``randomness.seed`` and its own work dir (``WORK_DIR/<config name>/seed<seed>``), where it
writes ``rollout.json``; a run whose ``rollout.json`` was made from the same resolved config is reused, not
retrained (a killed sweep restarts where it stopped). The baseline (``--baseline``, by default the first config
with ``model.jepa_weight=0``) is subtracted from every other config seed by seed: the paired difference and its
standard error over the seeds (:func:`mmjepa.evaluation.stats.mean_std_se` of the per-seed differences).
Writes ``WORK_DIR/sweep.json`` and ``WORK_DIR/sweep.md`` (the table).
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa

MEAN = 'mean over tasks'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train and roll out configs over training seeds')
    parser.add_argument('configs', nargs='+', help='configs with a RolloutTestLoop test_cfg')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2], help='training seeds')
    parser.add_argument('--work-dir', default='work_dirs/rollout_sweep')
    parser.add_argument('--baseline', default=None,
                        help='config name (file name without .py) subtracted from the others; default: the first '
                             'with model.jepa_weight=0; "none" for no differences')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='key=value overrides of every config (as tools/train.py), e.g. test_cfg.num_rollouts=5')
    args = parser.parse_args(argv)
    names = [config_name(p) for p in args.configs]
    if len(set(names)) != len(names):
        parser.error(f'config names {names} repeat: each config needs its own file name (its work dir)')
    if len(set(args.seeds)) != len(args.seeds):
        parser.error(f'--seeds {args.seeds} repeat')
    return args


def config_name(path: str) -> str:
    return osp.splitext(osp.basename(path))[0]


def load_config(path: str, options: dict):
    """The config with ``options`` merged, checked to end in a rollout evaluation."""
    from mmengine.config import Config
    if not osp.isfile(path):
        raise FileNotFoundError(f'config {path} does not exist')
    cfg = Config.fromfile(path)
    cfg.merge_from_dict(options)
    if cfg.get('test_cfg', {}).get('type') != 'RolloutTestLoop':
        raise ValueError(f'{path}: test_cfg.type must be RolloutTestLoop (a policy rolled out in its tasks); got '
                         f'{cfg.get("test_cfg", {}).get("type")!r}')
    return cfg


def run_one(path: str, options: dict, seed: int, work_dir: str) -> dict:
    """Train ``path`` under ``seed`` and roll it out; reuses ``work_dir/rollout.json`` of the same config."""
    cfg = load_config(path, options)
    cfg.randomness = dict(seed=seed)
    cfg.work_dir = work_dir
    digest = hashlib.sha256(cfg.pretty_text.encode()).hexdigest()
    out = osp.join(work_dir, 'rollout.json')
    if osp.isfile(out):
        with open(out) as f:
            done = json.load(f)
        if done.get('config_sha256') == digest:
            return dict(done, reused=True)
    from mmengine.runner import Runner
    # a name of its own: mmengine keys its logger and message hub by it (runs of one second would share them)
    cfg.experiment_name = f'{config_name(path)}_seed{seed}_{time.strftime("%Y%m%d_%H%M%S")}_{time.time_ns()}'
    runner = Runner.from_cfg(cfg)
    start = time.time()
    runner.train()
    train_s = time.time() - start
    metrics = runner.test()
    test_s = time.time() - start - train_s
    tasks = list(cfg.test_cfg.tasks)
    rates = {t: float(metrics[f'rollout/{t}/success_rate']) for t in tasks}
    result = dict(config=path, seed=seed, config_sha256=digest, tasks=rates,
                  success_rate=float(metrics['rollout/success_rate']), num_rollouts=int(metrics['rollout/num_rollouts']),
                  mean_steps=float(metrics['rollout/mean_steps']), train_s=train_s, test_s=test_s)
    os.makedirs(work_dir, exist_ok=True)
    with open(out, 'w') as f:
        json.dump(result, f, indent=1)
    return dict(result, reused=False)


def summarize(runs: List[dict], tasks: List[str]) -> Dict[str, dict]:
    """Per task and for the mean over tasks: mean, std and SE of the success rate over the runs (seeds)."""
    from mmjepa.evaluation.stats import mean_std_se
    values = {t: [r['tasks'][t] for r in runs] for t in tasks}
    values[MEAN] = [sum(r['tasks'][t] for t in tasks) / len(tasks) for r in runs]
    out = {}
    for key, vals in values.items():
        mean, std, se = mean_std_se(vals)
        out[key] = dict(mean=mean, std=std, se=se, n=len(vals))
    return out


def paired(runs: List[dict], base_runs: List[dict], tasks: List[str]) -> Dict[str, dict]:
    """``runs`` minus ``base_runs``, paired by training seed: per task and for the mean over tasks."""
    base = {r['seed']: r for r in base_runs}
    diffs = [dict(seed=r['seed'], tasks={t: r['tasks'][t] - base[r['seed']]['tasks'][t] for t in tasks})
             for r in runs]
    return summarize(diffs, tasks)


def pm(s: dict) -> str:
    return f'{s["mean"]:.1f} ± {s["se"]:.1f}' if s['n'] > 1 else f'{s["mean"]:.1f}'


def markdown(result: dict) -> str:
    names = list(result['configs'])
    diffs = list(result['differences'])
    seeds = result['seeds']
    head = ['task'] + [f'{n} (%)' for n in names] + [f'{d} (points, paired)' for d in diffs]
    lines = [f'Success rate (%), mean ± standard error over {len(seeds)} training seeds {seeds} '
             f'({result["num_rollouts"]} rollouts per task and seed).', '',
             '| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for key in result['tasks'] + [MEAN]:
        cells = [pm(result['configs'][n]['summary'][key]) for n in names]
        cells += [pm(result['differences'][d][key]) for d in diffs]
        label = f'**{key}**' if key == MEAN else key
        lines.append('| ' + ' | '.join([label] + cells) + ' |')
    return '\n'.join(lines) + '\n'


def pick_baseline(args, cfgs: Dict[str, object]) -> Optional[str]:
    if args.baseline == 'none':
        return None
    if args.baseline is not None:
        if args.baseline not in cfgs:
            raise ValueError(f'--baseline {args.baseline!r} is not one of the configs {list(cfgs)}')
        return args.baseline
    zero = [n for n, c in cfgs.items() if float(c.model.get('jepa_weight', 1.0)) == 0]
    return zero[0] if zero else None


def sweep(args) -> dict:
    cfgs = {config_name(p): load_config(p, args.cfg_options) for p in args.configs}
    task_lists = {n: list(c.test_cfg.tasks) for n, c in cfgs.items()}
    tasks = next(iter(task_lists.values()))
    if any(t != tasks for t in task_lists.values()):
        raise ValueError(f'the configs roll out different tasks {task_lists}: compare configs of the same tasks')
    rollouts = {n: c.test_cfg.get('num_rollouts', 10) for n, c in cfgs.items()}
    if len(set(rollouts.values())) != 1:
        raise ValueError(f'the configs roll out different numbers of episodes {rollouts}')
    baseline = pick_baseline(args, cfgs)
    total, done, start = len(cfgs) * len(args.seeds), 0, time.time()
    runs: Dict[str, List[dict]] = {n: [] for n in cfgs}
    for seed in args.seeds:  # seed-major: a stopped sweep holds whole pairs
        for path in args.configs:
            name = config_name(path)
            print(f'[rollout_sweep] run {done + 1}/{total}: {name} seed {seed} ...', flush=True)
            r = run_one(path, args.cfg_options, seed, osp.join(args.work_dir, name, f'seed{seed}'))
            runs[name].append(r)
            done += 1
            how = 'reused' if r['reused'] else f'train {r["train_s"]:.0f} s, rollouts {r["test_s"]:.0f} s'
            print(f'[rollout_sweep] run {done}/{total}: {name} seed {seed}: success {r["success_rate"]:.1f}% '
                  f'({how}; {time.time() - start:.0f} s elapsed)', flush=True)
    result = dict(seeds=list(args.seeds), tasks=tasks, num_rollouts=next(iter(rollouts.values())),
                  cfg_options=args.cfg_options, baseline=baseline, configs={}, differences={})
    for name, path in zip(cfgs, args.configs):
        result['configs'][name] = dict(config=path, jepa_weight=float(cfgs[name].model.get('jepa_weight', 1.0)),
                                       runs=runs[name], summary=summarize(runs[name], tasks))
    if baseline is not None:
        for name in cfgs:
            if name != baseline:
                result['differences'][f'{name} - {baseline}'] = paired(runs[name], runs[baseline], tasks)
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'sweep.json'), 'w') as f:
        json.dump(result, f, indent=1)
    table = markdown(result)
    with open(osp.join(args.work_dir, 'sweep.md'), 'w') as f:
        f.write(table)
    print(table, flush=True)
    print(f'[rollout_sweep] wrote {osp.join(args.work_dir, "sweep.json")} and sweep.md '
          f'({time.time() - start:.0f} s)', flush=True)
    return result


def main(argv=None):
    args = parse_args(argv)
    import mmjepa  # noqa: F401  (registers the models, datasets and the rollout loop)
    return sweep(args)


if __name__ == '__main__':
    main()
