# Copyright (c) mmjepa contributors. All rights reserved.
"""Transfer sweep: train and test one downstream config over seeds (and, for few-shot sets, labels-per-class
counts), then compare two sweeps run by run: pretrained against random init, or two pretrainings.

    python tools/analysis_tools/transfer_sweep.py CONFIG [CHECKPOINT | --random-init] [--seeds 0 1 2]
        [--shots 10 20 40 | --fractions 0.05 0.2 0.5] [--metric auc] [--work-dir DIR] [--out sweep.json]
        [--cfg-options k=v ...]
    python tools/analysis_tools/transfer_sweep.py --compare A.json B.json

Each run sets ``randomness.seed``; with ``--shots`` (the SAR-JEPA protocol, arXiv 2311.15153: 10 / 20 / 40
labels per class) the train set must be a ``FewShotDataset``, whose ``shots_per_class`` and subset ``seed`` are
set per run; with ``--fractions`` (AD-L-JEPA's label efficiency, arXiv 2501.04969: 5 / 20 / 50 % of the labelled
scans) the train set must be a ``LabelFractionDataset`` (``mmjepa.det3d``), whose ``fraction`` and ``seed`` are set
per run. CHECKPOINT goes to ``model.backbone.init_cfg.checkpoint``, or to ``model.init_cfg.checkpoint`` for a model
that loads its encoder itself (``PretrainedEncoderVoxelNet``); ``--random-init`` drops that ``init_cfg``. A config
whose checkpoint hook keeps the best validation checkpoint (``save_best``, ECG-JEPA's protocol) is tested at that
checkpoint, else at the end of training. The test metric (``--metric``: the first key containing it; by default the
first accuracy, else AUC key) is printed per run; the sweep JSON holds every run. ``--compare`` pairs two sweeps on
(shots or fraction, seed) and prints the mean difference A - B with its standard
error over the seeds.
"""
import argparse
import json
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Transfer sweep over seeds (and labels per class)')
    parser.add_argument('config', nargs='?')
    parser.add_argument('checkpoint', nargs='?', default=None)
    parser.add_argument('--random-init', action='store_true', help='no pretrained weights (the baseline)')
    parser.add_argument('--shots', type=int, nargs='+', default=None,
                        help='labels per class of a FewShotDataset train set (default: the config as it is)')
    parser.add_argument('--fractions', type=float, nargs='+', default=None,
                        help='shares of the labelled train set (a LabelFractionDataset), e.g. 0.05 0.2 0.5')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--metric', default=None, help='test metric key (substring); default accuracy, else auc')
    parser.add_argument('--work-dir', default='work_dirs/transfer_sweep')
    parser.add_argument('--out', default=None, help='sweep JSON (default: WORK_DIR/sweep.json)')
    parser.add_argument('--compare', nargs=2, metavar=('A', 'B'), help='compare two sweep JSON files')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='key=value overrides of the config (as tools/train.py)')
    args = parser.parse_args(argv)
    if args.compare is None and args.config is None:
        parser.error('give a CONFIG to sweep, or --compare A.json B.json')
    if args.config and bool(args.checkpoint) == args.random_init:
        parser.error('give either a CHECKPOINT or --random-init')
    if args.shots and args.fractions:
        parser.error('give --shots (labels per class) or --fractions (share of the train set), not both')
    return args


def metric_of(metrics: Dict[str, float], name: Optional[str] = None):
    """(key, value) of the test metric: the first key containing ``name``; by default the first accuracy key
    (``top1`` / ``accuracy``), else the first AUC key."""
    if name:
        keys = [k for k in metrics if name in k]
    else:
        keys = [k for k in metrics if 'top1' in k or k.endswith('accuracy')] or [k for k in metrics
                                                                                 if k.endswith('auc')]
    if not keys:
        raise KeyError(f'No {name or "accuracy or AUC"} key in the test metrics {sorted(metrics)}: pass --metric '
                       'or give the config a matching evaluator')
    return keys[0], float(metrics[keys[0]])


def init_cfg_owner(cfg, config: str):
    """The part of ``cfg.model`` whose ``init_cfg`` takes the pretrained checkpoint: the backbone, else the model
    itself (a detector that loads its whole encoder, e.g. ``PretrainedEncoderVoxelNet``)."""
    backbone = cfg.model.get('backbone')
    if isinstance(backbone, dict) and backbone.get('init_cfg'):
        return backbone
    if cfg.model.get('init_cfg'):
        return cfg.model
    raise KeyError(f'{config}: neither model.backbone.init_cfg nor model.init_cfg is set: give the config a '
                   "dict(type='Pretrained', checkpoint=..., prefix=...) there for the sweep to fill in")


def subset_of(cfg, config: str, kind: str):
    """The train dataset config that must be a ``kind`` wrapper."""
    dataset = cfg.train_dataloader.dataset
    if dataset.get('type') != kind:
        flag = '--shots' if kind == 'FewShotDataset' else '--fractions'
        raise ValueError(f'{config}: {flag} needs train_dataloader.dataset to be a {kind}, got {dataset.get("type")}')
    return dataset


def run_name(shots: Optional[int], fraction: Optional[float], seed: int) -> str:
    if shots is not None:
        return f'shots{shots}_seed{seed}'
    if fraction is not None:
        return f'fraction{fraction:g}_seed{seed}'
    return f'seed{seed}'


def run_one(args, shots: Optional[int], seed: int, fraction: Optional[float] = None):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    if shots is not None:
        dataset = subset_of(cfg, args.config, 'FewShotDataset')
        dataset.shots_per_class, dataset.seed = shots, seed
    if fraction is not None:
        dataset = subset_of(cfg, args.config, 'LabelFractionDataset')
        dataset.fraction, dataset.seed = fraction, seed
    cfg.randomness = dict(seed=seed)
    owner = init_cfg_owner(cfg, args.config)
    if args.random_init:
        owner.pop('init_cfg', None)
    else:
        owner.init_cfg.checkpoint = args.checkpoint
    cfg.work_dir = osp.join(args.work_dir, run_name(shots, fraction, seed))
    runner = Runner.from_cfg(cfg)
    runner.train()
    best = runner.message_hub.get_info('best_ckpt')
    if best:
        runner.load_checkpoint(best)
    return metric_of(runner.test(), args.metric)


def sweep(args) -> dict:
    runs: List[dict] = []
    subsets = [(s, None) for s in args.shots] if args.shots else \
        [(None, f) for f in args.fractions] if args.fractions else [(None, None)]
    total = len(subsets) * len(args.seeds)
    for shots, fraction in subsets:
        for seed in args.seeds:
            start = time.time()
            key, value = run_one(args, shots, seed, fraction)
            run = dict(shots=shots, fraction=fraction, seed=seed, metric=key, value=value)
            runs.append(run)
            where = '' if shots is None and fraction is None else f'{group_of(run)}, '
            print(f'[sweep] run {len(runs)}/{total}: {where}seed {seed}: {key} {value:.4f} '
                  f'({time.time() - start:.0f} s)', flush=True)
    result = dict(config=args.config, checkpoint=None if args.random_init else args.checkpoint, runs=runs,
                  summary=summarize(runs))
    out = args.out or osp.join(args.work_dir, 'sweep.json')
    with open(out, 'w') as f:
        json.dump(result, f, indent=2)
    for group, s in result['summary'].items():
        print(f'[sweep] {group}: {s["mean"]:.4f} +- {s["se"]:.4f} (SE over {s["n"]} seeds)')
    print(f'[sweep] wrote {out}')
    return result


def mean_se(values: List[float]) -> dict:
    from mmjepa.evaluation.stats import mean_std_se
    mean, _, se = mean_std_se(values)
    return dict(mean=mean, se=se, n=len(values))


def group_of(run: dict) -> str:
    if run.get('shots') is not None:
        return f'{run["shots"]} labels/class'
    if run.get('fraction') is not None:
        return f'{100 * run["fraction"]:g} % of the labels'
    return 'all'


def summarize(runs: List[dict]) -> Dict[str, dict]:
    groups: Dict[str, List[float]] = {}
    for r in runs:
        groups.setdefault(group_of(r), []).append(r['value'])
    return {group: mean_se(values) for group, values in groups.items()}


def compare(a: dict, b: dict) -> Dict[str, dict]:
    """Per shot count or label fraction (or 'all'): mean and SE over seeds of A - B, paired on (subset, seed)."""
    index = {(r.get('shots'), r.get('fraction'), r['seed']): r['value'] for r in b['runs']}
    diffs: Dict[str, List[float]] = {}
    for r in a['runs']:
        key = (r.get('shots'), r.get('fraction'), r['seed'])
        if key not in index:
            raise ValueError(f'Sweep B has no run with shots={key[0]}, fraction={key[1]} and seed {key[2]}: run '
                             'both sweeps with the same --shots (or --fractions) and --seeds')
        diffs.setdefault(group_of(r), []).append(r['value'] - index[key])
    return {group: mean_se(values) for group, values in diffs.items()}


def main(argv=None):
    args = parse_args(argv)
    if args.compare:
        with open(args.compare[0]) as fa, open(args.compare[1]) as fb:
            a, b = json.load(fa), json.load(fb)
        result = compare(a, b)
        for group, s in result.items():
            print(f'[sweep] {group}: A - B = {s["mean"]:+.4f} +- {s["se"]:.4f} (SE over {s["n"]} paired seeds)')
        return result
    import mmjepa  # noqa: F401  (registers the models; its transformers shim first)
    return sweep(args)


if __name__ == '__main__':
    main()
