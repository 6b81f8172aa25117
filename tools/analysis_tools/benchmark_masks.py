# Copyright (c) mmjepa contributors. All rights reserved.
"""Draws per second of a mask sampler, on one core by default.

    python tools/analysis_tools/benchmark_masks.py [CONFIG] [--batch-size 128] [--grid 14] [--seconds 3]
        [--threads 1] [--cfg-options k=v ...]

Without a config the official I-JEPA sampler (``MultiBlockMaskSampler`` with its defaults) is timed on a
``--grid`` x ``--grid`` patch grid; with one, ``model.mask_sampler`` of the config on its backbone's grid.
Every draw is a whole batch (``sampler(batch_size, generator)``), as one training step makes it. The draws
are timed in blocks of 50; the report gives the rate over all blocks (wall clock and process CPU time) and
of the fastest block, which is the least disturbed by other processes on a shared machine.
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa

import torch  # noqa: E402


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='Mask sampler draws per second')
    parser.add_argument('config', nargs='?', help='config whose model.mask_sampler to time (optional)')
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--grid', type=int, default=14, help='patch grid side without a config (default 14)')
    parser.add_argument('--seconds', type=float, default=3.)
    parser.add_argument('--threads', type=int, default=1, help='torch threads (default 1: one core)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def build_sampler(args):
    import mmjepa  # noqa: F401
    from mmpretrain.registry import MODELS
    if args.config is None:
        return MODELS.build(dict(type='MultiBlockMaskSampler', input_size=args.grid))
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    backbone = cfg.model.backbone
    img, patch = backbone.get('img_size', 224), backbone.get('patch_size', 16)
    img = img if isinstance(img, int) else img[0]
    sampler_cfg = dict(cfg.model.get('mask_sampler', dict(type='MultiBlockMaskSampler')))
    sampler_cfg.setdefault('input_size', img // patch)
    return MODELS.build(sampler_cfg)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    sampler = build_sampler(args)
    gen = torch.Generator().manual_seed(args.seed)
    for _ in range(20):  # warm-up (block tables are built on first use)
        sampler(args.batch_size, gen)
    block, blocks = 50, []
    draws = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall0 < args.seconds:
        t0 = time.perf_counter()
        for _ in range(block):
            sampler(args.batch_size, gen)
        blocks.append(time.perf_counter() - t0)
        draws += block
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    best = block / min(blocks)
    print(f'{sampler!r}')
    print(f'batch {args.batch_size}, {args.threads} thread(s): {draws / wall:.0f} draws/s (wall), '
          f'{draws / cpu:.0f} draws per CPU-second, best block {best:.0f} draws/s '
          f'({1e6 / best:.0f} us per draw); {draws} draws in {wall:.1f} s', flush=True)
    return dict(draws_per_s=draws / wall, draws_per_cpu_s=draws / cpu, best_block_draws_per_s=best)


if __name__ == '__main__':
    main()
