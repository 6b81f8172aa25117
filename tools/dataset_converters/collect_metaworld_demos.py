# Copyright (c) mmjepa contributors. All rights reserved.
"""Collect Meta-World v3 demonstrations from its scripted expert policies for ACT-JEPA (format:
:mod:`mmjepa.datasets.metaworld_demos`). Seeded; Gaussian action noise; failed episodes kept and flagged.

    python tools/dataset_converters/collect_metaworld_demos.py data/metaworld --tasks reach-v3 --episodes 20
    python tools/dataset_converters/collect_metaworld_demos.py data/metaworld --tasks all --episodes 50
"""
import argparse
import os

from mmjepa.datasets.metaworld_demos import collect_demos


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out_dir', help='folder of index.json and episodes/')
    parser.add_argument('--tasks', nargs='+', default=['reach-v3'], help="task names, or 'all' (the 50 tasks)")
    parser.add_argument('--episodes', type=int, default=20, help='episodes per task (seeds seed, seed + 1, ...)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--action-noise', type=float, default=0.1, help='std of the Gaussian action noise')
    parser.add_argument('--max-steps', type=int, default=200, help='steps before an episode counts as failed')
    parser.add_argument('--quiet', action='store_true', help='no progress bar')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    tasks = args.tasks
    if tasks == ['all']:
        from metaworld.policies import ENV_POLICY_MAP
        tasks = sorted(ENV_POLICY_MAP)
    os.makedirs(args.out_dir, exist_ok=True)
    index = collect_demos(args.out_dir, tasks, args.episodes, args.seed, args.action_noise, args.max_steps,
                          progress=not args.quiet)
    done = sum(e['success'] for e in index['episodes'])
    print(f'{len(index["episodes"])} episodes ({done} successful) in {args.out_dir}')


if __name__ == '__main__':
    main()
