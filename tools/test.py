# Copyright (c) mmjepa contributors. All rights reserved.
"""Evaluate a checkpoint with the config's test loop (mmpretrain, mmseg or mmdet scope).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out RESULTS.pkl] [--cfg-options k=v ...]

The metrics are printed and written to ``<work_dir>/test_metrics.json`` with the config's ``benchmark_meta`` and
the ``pretrain_provenance`` that the transfer run stored in CHECKPOINT's meta (the pretraining checkpoint it started
from: algorithm, arch, epochs, data, SHA-256; see mmjepa/utils/provenance.py).
"""
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmjepa  # noqa: E402,F401
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import RUNNERS  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from mmjepa.utils.config_errors import explain_config_errors  # noqa: E402
from mmjepa.utils.dist import setup_cpu_distributed, teardown_distributed  # noqa: E402
from mmjepa.utils.provenance import TRANSFER_KEY, resolve_benchmark_meta, transfer_record  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='directory for the evaluation logs and metrics')
    parser.add_argument('--out', help='dump the raw predictions to this pickle file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config keys')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    if cfg.get('test_dataloader') is None:
        raise ValueError(f'{args.config} has no test_dataloader/test_evaluator: pretraining configs have no test '
                         'loop; evaluate the encoder with a transfer config or tools/analysis_tools/probe.py')
    cfg.load_from = args.checkpoint
    setup_cpu_distributed(cfg)  # gloo on CPU-only machines (no-op otherwise)
    if args.out is not None:
        cfg.test_evaluator = [*(cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else
                                [cfg.test_evaluator]), dict(type='DumpResults', out_file_path=args.out)]
    with explain_config_errors(cfg):
        runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
        metrics = runner.test()
    if runner.rank == 0:
        print(f'[mmjepa] metrics: {metrics}', flush=True)
        # The leaderboard (tools/analysis_tools/leaderboard.py) reads this file.
        out = osp.join(cfg.work_dir, 'test_metrics.json')
        provenance = transfer_record(args.checkpoint)
        resolve_benchmark_meta(cfg.get('benchmark_meta'), provenance, where=args.checkpoint)  # warns if unknown
        with open(out, 'w') as f:
            json.dump({'config': args.config, 'checkpoint': args.checkpoint,
                       'benchmark_meta': cfg.get('benchmark_meta', {}), TRANSFER_KEY: provenance,
                       'metrics': {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float))}},
                      f, indent=2)
        print(f'[mmjepa] metrics written to {out}', flush=True)
    teardown_distributed()


if __name__ == '__main__':
    main()
