# Copyright (c) mmjepa contributors. All rights reserved.
"""Train a model from a config: mmjepa pretraining, or mmpretrain / mmseg / mmdet transfer.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT] | --resume-or-start] [--amp] [--cfg-options k=v ...]

The config's ``default_scope`` decides which library's registries are used. Distributed runs go through
``tools/dist_train.sh`` (torchrun) or ``tools/slurm_train.sh``.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # use this checkout's mmjepa

import mmjepa  # noqa: E402,F401  (registers models and the checkpoint allow-list)
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import RUNNERS  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from mmjepa.utils.config_errors import explain_config_errors  # noqa: E402
from mmjepa.utils.dist import setup_cpu_distributed, teardown_distributed  # noqa: E402
from mmjepa.utils.resume import find_resume_checkpoint, unreadable_reason  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='directory for logs and checkpoints')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from CKPT, or from the latest readable checkpoint in the work dir if none is '
                             'given (an error when there is none)')
    parser.add_argument('--resume-or-start', action='store_true',
                        help='resume from the latest readable checkpoint in the work dir, or start from scratch '
                             'when there is none (for jobs that a cluster may preempt and requeue)')
    parser.add_argument('--amp', action='store_true',
                        help='bf16 autocast: an OptimWrapper becomes mmjepa\'s BF16OptimWrapper (GPU or CPU); '
                             'AmpOptimWrapper (bf16 unless its dtype says otherwise) and BF16OptimWrapper are kept')
    parser.add_argument('--auto-scale-lr', action='store_true', help='scale the lr by the actual batch size')
    parser.add_argument('--no-pin-memory', action='store_true', help='do not pin memory in the dataloaders')
    parser.add_argument('--no-persistent-workers', action='store_true', help='do not keep dataloader workers')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. model.backbone.arch=large train_dataloader.batch_size=64')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def check_fsdp(cfg: Config) -> None:
    """FSDP for the JEPA pretraining models needs mmjepa's wrap policy, ``use_orig_params=True`` and
    ``TargetEMAHook`` (in the default runtime): refuse a config that lacks one, naming what to set.

    Their encoders are entered through ``forward_tokens`` and their EMA update must run outside the forward
    (docs/performance.md, FSDP).
    """
    strategy = cfg.get('strategy') or {}
    if 'FSDP' in str(strategy.get('type', '')):
        wrapper = strategy.get('model_wrapper') or {}
    elif 'FullyShardedDataParallel' in str((cfg.get('model_wrapper_cfg') or {}).get('type', '')):
        wrapper = cfg.model_wrapper_cfg
    else:
        return
    from mmjepa.models.algorithms import IJEPA
    from mmpretrain.registry import MODELS
    model_cls = MODELS.get(cfg.model.get('type', '')) if isinstance(cfg.model.get('type'), str) else None
    if not (isinstance(model_cls, type) and issubclass(model_cls, IJEPA)):
        return
    missing = []
    policy = wrapper.get('auto_wrap_policy')
    if (policy.get('type') if isinstance(policy, dict) else policy) != 'jepa_fsdp_wrap_policy':
        missing.append("auto_wrap_policy='jepa_fsdp_wrap_policy'")
    if wrapper.get('use_orig_params', True) is not True:
        missing.append('use_orig_params=True')
    if not any(h.get('type') == 'TargetEMAHook' for h in cfg.get('custom_hooks', [])):
        missing.append("custom_hooks: dict(type='TargetEMAHook')")
    if missing:
        raise ValueError(f'FSDP with {cfg.model.type} needs {", ".join(missing)} (the model wrapper settings: '
                         'strategy.model_wrapper or model_wrapper_cfg); see docs/performance.md, section FSDP')


def merge_args(cfg: Config, args) -> Config:
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper', 'BF16OptimWrapper'):
            raise ValueError(f'--amp needs optim_wrapper.type OptimWrapper, AmpOptimWrapper or BF16OptimWrapper, '
                             f'got {wrapper}')
        if wrapper == 'OptimWrapper':
            cfg.optim_wrapper.type = 'BF16OptimWrapper'
        elif wrapper == 'AmpOptimWrapper':
            cfg.optim_wrapper.setdefault('dtype', 'bfloat16')  # mmengine's default would be fp16
    if args.resume is not None and args.resume_or_start:
        raise ValueError('give --resume [CKPT] or --resume-or-start, not both')
    if args.resume == 'auto' or args.resume_or_start:
        choose_resume_checkpoint(cfg, fresh_ok=args.resume_or_start)
    elif args.resume is not None:
        reason = unreadable_reason(args.resume)
        if reason is not None:
            raise ValueError(f'--resume {args.resume}: the checkpoint is {reason}; give another one, or --resume '
                             'alone for the latest readable checkpoint of the work dir')
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise ValueError('--auto-scale-lr needs `auto_scale_lr = dict(base_batch_size=...)` in the config')
        cfg.auto_scale_lr.enable = True
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(name)
        if loader is None:
            continue
        if cfg.get('default_scope', 'mmpretrain') == 'mmpretrain':
            # mmpretrain's convention; mmseg and mmdet batch lists of samples (mmengine's pseudo_collate)
            loader.setdefault('collate_fn', dict(type='default_collate'))
        if args.no_pin_memory:
            loader['pin_memory'] = False
        if args.no_persistent_workers or loader.get('num_workers', 0) == 0:
            loader['persistent_workers'] = False
    return cfg


def choose_resume_checkpoint(cfg: Config, fresh_ok: bool = False) -> None:
    """Resume from the latest readable checkpoint of ``cfg.work_dir``; a truncated or corrupt later one is
    reported and passed over. With none, start fresh if ``fresh_ok``, else stop with an error."""
    path, skipped = find_resume_checkpoint(cfg.work_dir)
    for bad, reason in skipped:
        print(f'[mmjepa] warning: cannot resume from {bad}: {reason}; trying the previous checkpoint',
              file=sys.stderr, flush=True)
    if path is not None:
        print(f'[mmjepa] resuming from {path}', flush=True)
        cfg.resume, cfg.load_from = True, path
    elif fresh_ok:
        print(f'[mmjepa] nothing to resume in {cfg.work_dir}: starting from scratch', flush=True)
        cfg.resume, cfg.load_from = False, None
    else:
        raise FileNotFoundError(
            f'--resume: no readable checkpoint in {cfg.work_dir}'
            f'{" (" + ", ".join(f"{p}: {r}" for p, r in skipped) + ")" if skipped else ""}; check --work-dir, or '
            'use --resume-or-start to start from scratch when there is nothing to resume')


def main():
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    check_fsdp(cfg)
    setup_cpu_distributed(cfg)  # gloo on CPU-only machines (no-op otherwise)
    with explain_config_errors(cfg):
        runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
        runner.train()
    if runner.rank == 0:
        print(f'[mmjepa] logs and checkpoints in {osp.abspath(cfg.work_dir)}', flush=True)
    teardown_distributed()


if __name__ == '__main__':
    main()
