# Copyright (c) mmjepa contributors. All rights reserved.
"""Few-shot transfer sweep: train and test one classification config at several labels-per-class counts and
subset seeds (the SAR-JEPA protocol, arXiv 2311.15153: 10 / 20 / 40 labels per class), then compare sweeps.

    python tools/analysis_tools/fewshot_eval.py CONFIG [CHECKPOINT | --random-init] [--shots 10 20 40]
        [--seeds 0 1 2] [--work-dir DIR] [--out sweep.json] [--cfg-options k=v ...]
    python tools/analysis_tools/fewshot_eval.py --compare A.json B.json

CONFIG's train set must be a ``FewShotDataset`` (its ``shots_per_class`` and ``seed`` are set per run; the run's
``randomness.seed`` follows the subset seed). CHECKPOINT goes to ``model.backbone.init_cfg.checkpoint``;
``--random-init`` drops the backbone's ``init_cfg`` (the randomly initialised baseline). Each run's test metric
(the first accuracy key) is printed as it finishes; the sweep JSON holds every run. ``--compare`` pairs two sweeps
run by run (same shots and seed: the same labelled images) and prints, per shot count, the mean difference A - B
and its standard error over the seeds.
"""
import argparse
import json
import math
import os.path as osp
import sys
import time
from typing import Dict, List

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Few-shot transfer sweep over labels per class and subset seeds')
    parser.add_argument('config', nargs='?')
    parser.add_argument('checkpoint', nargs='?', default=None)
    parser.add_argument('--random-init', action='store_true', help='no pretrained weights (the baseline)')
    parser.add_argument('--shots', type=int, nargs='+', default=[10, 20, 40])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--work-dir', default='work_dirs/fewshot_eval')
    parser.add_argument('--out', default=None, help='sweep JSON (default: WORK_DIR/sweep.json)')
    parser.add_argument('--compare', nargs=2, metavar=('A', 'B'), help='compare two sweep JSON files')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='key=value overrides of the config (as tools/train.py)')
    args = parser.parse_args(argv)
    if args.compare is None and args.config is None:
        parser.error('give a CONFIG to sweep, or --compare A.json B.json')
    if args.config and bool(args.checkpoint) == args.random_init:
        parser.error('give either a CHECKPOINT or --random-init')
    return args


def accuracy_of(metrics: Dict[str, float]) -> float:
    keys = [k for k in metrics if 'top1' in k or k.endswith('accuracy')]
    if not keys:
        raise KeyError(f'No accuracy in the test metrics {sorted(metrics)}: the config needs an Accuracy evaluator')
    return float(metrics[keys[0]])


def run_one(args, shots: int, seed: int) -> float:
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    dataset = cfg.train_dataloader.dataset
    if dataset.get('type') != 'FewShotDataset':
        raise ValueError(f'{args.config}: train_dataloader.dataset must be a FewShotDataset, got {dataset.get("type")}')
    dataset.shots_per_class, dataset.seed = shots, seed
    cfg.randomness = dict(seed=seed)
    if args.random_init:
        cfg.model.backbone.pop('init_cfg', None)
    else:
        cfg.model.backbone.init_cfg.checkpoint = args.checkpoint
    cfg.work_dir = osp.join(args.work_dir, f'shots{shots}_seed{seed}')
    runner = Runner.from_cfg(cfg)
    runner.train()
    return accuracy_of(runner.test())


def sweep(args) -> dict:
    runs: List[dict] = []
    for shots in args.shots:
        for seed in args.seeds:
            start = time.time()
            acc = run_one(args, shots, seed)
            runs.append(dict(shots=shots, seed=seed, accuracy=acc))
            print(f'[fewshot] {shots} labels/class, seed {seed}: top-1 {acc:.2f} ({time.time() - start:.0f} s)',
                  flush=True)
    result = dict(config=args.config, checkpoint=None if args.random_init else args.checkpoint, runs=runs,
                  summary=summarize(runs))
    out = args.out or osp.join(args.work_dir, 'sweep.json')
    with open(out, 'w') as f:
        json.dump(result, f, indent=2)
    for shots, s in result['summary'].items():
        print(f'[fewshot] {shots} labels/class: {s["mean"]:.2f} +- {s["se"]:.2f} (SE over {s["n"]} seeds)')
    print(f'[fewshot] wrote {out}')
    return result


def mean_se(values: List[float]) -> dict:
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean)**2 for v in values) / (n - 1)) if n > 1 else float('nan')
    return dict(mean=mean, se=sd / math.sqrt(n), n=n)


def summarize(runs: List[dict]) -> Dict[str, dict]:
    by_shots: Dict[str, List[float]] = {}
    for r in runs:
        by_shots.setdefault(str(r['shots']), []).append(r['accuracy'])
    return {shots: mean_se(values) for shots, values in by_shots.items()}


def compare(a: dict, b: dict) -> Dict[str, dict]:
    """Per shot count: mean and SE over seeds of A - B, paired on (shots, seed)."""
    index = {(r['shots'], r['seed']): r['accuracy'] for r in b['runs']}
    diffs: Dict[str, List[float]] = {}
    for r in a['runs']:
        key = (r['shots'], r['seed'])
        if key not in index:
            raise ValueError(f'Sweep B has no run with {key[0]} labels/class and seed {key[1]}: run both sweeps with '
                             'the same --shots and --seeds')
        diffs.setdefault(str(r['shots']), []).append(r['accuracy'] - index[key])
    return {shots: mean_se(values) for shots, values in diffs.items()}


def main(argv=None):
    args = parse_args(argv)
    if args.compare:
        with open(args.compare[0]) as fa, open(args.compare[1]) as fb:
            a, b = json.load(fa), json.load(fb)
        result = compare(a, b)
        for shots, s in result.items():
            print(f'[fewshot] {shots} labels/class: A - B = {s["mean"]:+.2f} +- {s["se"]:.2f} '
                  f'(SE over {s["n"]} paired seeds)')
        return result
    import mmjepa  # noqa: F401  (registers the models; its transformers shim first)
    return sweep(args)


if __name__ == '__main__':
    main()
