# Copyright (c) mmjepa contributors. All rights reserved.
"""The prepared GPU check: every member's pretraining step, eager and compiled, a few iterations each.

    python tools/analysis_tools/gpu_check.py [--out FILE.json] [--members ijepa,dmtjepa,...] [--iters 10]
        [--warmup 3] [--batch-size N] [--no-compile] [--no-ddp] [--cpu]

Run through ``tools/analysis_tools/gpu_check.sh``, which first installs what is missing (a CUDA build of mmcv
included). Each (member, eager | compiled) runs ``tools/analysis_tools/benchmark.py`` in its own process (its own
peak memory; an out-of-memory error is a row, not the end of the check):

- **on a CUDA GPU**: the member's GPU recipe (:data:`MEMBERS`) at its per-GPU batch, bf16 (``BF16OptimWrapper``),
  ``--iters`` timed steps after ``--warmup``; the rows give samples/s (images/s for images), the median step,
  ``torch.cuda.max_memory_allocated`` and the MFU against the card's dense bf16 peak; compiled = every transformer
  block compiled (``compile_blocks``, inductor). With two or more GPUs, two NCCL processes with the global batch
  are compared with one process (losses and every tensor after 4 steps, fp32).
- **without CUDA** (or ``--cpu``): the CPU fallback runs each member's demo config (tiny models) for one timed
  step after one warm-up, bf16, eager and compiled with dynamo's eager backend (the graph capture without
  inductor's code generation), so the same code path is exercised in seconds; no DDP check.

The JSON holds the device, the versions and one row per run (``member``, ``config``, ``mode``, ``batch_size``,
``samples_per_s``, ``images_per_s``, ``step_time_median_s``, ``peak_mem_mib``, ``mfu``, or ``error``), plus
``ddp`` (the equivalence check or why it did not run).
"""
import argparse
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCHMARK = osp.join(ROOT, 'tools', 'analysis_tools', 'benchmark.py')

#: member -> (GPU recipe, CPU demo config), relative to configs/.
MEMBERS = {
    'ijepa': ('ijepa/ijepa_vit-base-p16_8xb256-amp-600e_in1k.py', 'demo/ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py'),
    'ijepa_vit-h': ('ijepa/ijepa_vit-huge-p14_16xb128-amp-300e_in1k.py',
                    'demo/ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py'),
    'dmtjepa': ('dmtjepa/dmtjepa_vit-base-p16_8xb256-amp-600e_in1k.py',
                'demo/dmtjepa_vit-tiny-p8_1xb64-16e_demo-64px.py'),
    'ecijepa': ('ecijepa/ecijepa_vit-base-p16_8xb256-amp-600e_in1k.py',
                'demo/ecijepa_vit-tiny-p8_1xb64-16e_demo-64px.py'),
    'sarjepa': ('sarjepa/sarjepa_vit-base-p16_4xb75-300e_sar-pretrain.py',
                'demo/sarjepa_vit-tiny-p8_1xb64-20e_demo-sar-64px.py'),
    'ecgjepa': ('ecgjepa/ecgjepa_vit-s-p25_8xb256-amp-100k_ecg-pretrain.py',
                'demo/ecgjepa_vit-xs-p25_1xb32-200it_demo-ptbxl.py'),
    'tjepa': ('tjepa/tjepa_ftt-d64-l16_1xb512-300e_jannis.py', 'demo/tjepa_ftt-d64-l4_1xb64-50e_demo-iris.py'),
    'seqjepa': ('seqjepa/seqjepa_resnet18_1xb512-1000e_3diebench-128px.py',
                'demo/seqjepa_resnet18-w16-cifar_1xb32-30e_demo-objects3d-32px.py'),
    'actjepa': ('actjepa/actjepa_mlp-d128_1xb64-2k_metaworld-mt15.py',
                'demo/actjepa_mlp-d128_1xb64-1k_demo-metaworld-reach.py'),
    'adljepa': ('adljepa/adljepa_pointpillars_8xb4-30e_kitti.py',
                'demo/adljepa_pointpillars-d192_1xb4-200it_demo-kitti.py'),
}
#: The row keys kept from benchmark.py's output.
ROW_KEYS = ('algorithm', 'batch_size', 'input_kind', 'input_shape', 'optim_wrapper', 'samples_per_s', 'images_per_s',
            'step_time_median_s', 'peak_mem_mib', 'peak_mem_kind', 'flops_per_image', 'achieved_tflops', 'mfu')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Run every member\'s pretraining step on the GPU (or the CPU '
                                                 'fallback) and report samples/s, peak memory and MFU as JSON')
    parser.add_argument('--out', default='work_dirs/gpu_check/gpu_check.json', help='the JSON report')
    parser.add_argument('--members', default=','.join(MEMBERS), help=f'comma-separated, of {", ".join(MEMBERS)}')
    parser.add_argument('--iters', type=int, default=None, help='timed steps (default: 10 on GPU, 1 on CPU)')
    parser.add_argument('--warmup', type=int, default=None, help='untimed steps (default: 3 on GPU, 1 on CPU)')
    parser.add_argument('--batch-size', type=int, default=None, help='per-GPU batch (default: the config\'s)')
    parser.add_argument('--no-compile', action='store_true', help='eager only')
    parser.add_argument('--no-ddp', action='store_true', help='skip the 2-GPU DDP equivalence check')
    parser.add_argument('--cpu', action='store_true', help='the CPU fallback even when CUDA is available')
    parser.add_argument('--timeout', type=int, default=1200, help='seconds per run before it is recorded as failed')
    return parser.parse_args(argv)


def log(msg: str) -> None:
    print(f'[gpu_check] {msg}', flush=True)


def run_member(member: str, config: str, compiled: bool, cuda: bool, args) -> Dict:
    """One benchmark.py process; its row, or the error."""
    iters = args.iters or (10 if cuda else 1)
    warmup = args.warmup or (3 if cuda else 1)
    row = dict(member=member, config=config, mode='compiled' if compiled else 'eager')
    with tempfile.TemporaryDirectory() as tmp:
        out = osp.join(tmp, 'row.json')
        cmd = [sys.executable, BENCHMARK, osp.join(ROOT, 'configs', config), '--device', 'cuda' if cuda else 'cpu',
               '--amp', '--iters', str(iters), '--warmup', str(warmup), '--quiet', '--out', out]
        if not cuda:
            cmd += ['--threads', '1', '--no-flops', '--batch-size', str(args.batch_size or 4)]
        elif args.batch_size:
            cmd += ['--batch-size', str(args.batch_size)]
        if compiled:
            cmd += ['--compile']
            if not cuda:  # dynamo's graph capture without inductor: the code path in seconds
                cmd += ['--cfg-options', 'compile.backend=eager']
        log(f'{member} ({row["mode"]}): {" ".join(cmd[1:])}')
        try:
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            return dict(row, error=f'timed out after {args.timeout} s')
        if proc.returncode != 0 or not osp.exists(out):
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
            return dict(row, error=f'exit status {proc.returncode}: ' + ' | '.join(tail))
        with open(out) as f:
            result = json.load(f)['results'][0]
    row.update({key: result.get(key) for key in ROW_KEYS})
    return row


def ddp_check(args) -> Dict:
    """Two NCCL processes (one per GPU) with the global batch against one process: ``ddp_equivalence.py``."""
    if args.no_ddp:
        return dict(ran=False, why='--no-ddp')
    if not torch.cuda.is_available() or torch.cuda.device_count() < 2:
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        return dict(ran=False, why=f'{count} CUDA device(s): the DDP equivalence check needs 2')
    script = osp.join(ROOT, 'tools', 'analysis_tools', 'ddp_equivalence.py')
    with tempfile.TemporaryDirectory() as tmp:
        out = osp.join(tmp, 'ddp.json')
        proc = subprocess.run([sys.executable, script, '--out', out], cwd=ROOT, capture_output=True, text=True,
                              timeout=args.timeout)
        if proc.returncode != 0 or not osp.exists(out):
            return dict(ran=True, passed=False, error=(proc.stdout + proc.stderr)[-2000:])
        with open(out) as f:
            return dict(ran=True, **json.load(f))


def main(argv=None) -> Dict:
    args = parse_args(argv)
    cuda = torch.cuda.is_available() and not args.cpu
    members = [m.strip() for m in args.members.split(',') if m.strip()]
    unknown = [m for m in members if m not in MEMBERS]
    if unknown:
        raise SystemExit(f'--members: unknown {unknown}; known: {", ".join(MEMBERS)}')
    log(f'{"CUDA: " + torch.cuda.get_device_name(0) if cuda else "no CUDA GPU: the CPU fallback (demo configs)"}')
    rows: List[Dict] = []
    for member in members:
        config = MEMBERS[member][0 if cuda else 1]
        for compiled in ((False, ) if args.no_compile else (False, True)):
            row = run_member(member, config, compiled, cuda, args)
            log(json.dumps(row))
            rows.append(row)
    report = dict(
        device='cuda' if cuda else 'cpu',
        device_name=torch.cuda.get_device_name(0) if cuda else platform.processor() or platform.machine(),
        gpus=torch.cuda.device_count() if torch.cuda.is_available() else 0,
        torch=torch.__version__, cuda=torch.version.cuda, python=platform.python_version(),
        mmcv_cuda_ops=_mmcv_cuda_ops(), precision='bf16 (BF16OptimWrapper)',
        fallback=None if cuda else 'CPU: demo configs, batch 4, 1 warm-up + 1 timed step, compiled with '
                                   'backend=eager', rows=rows,
        ddp=ddp_check(args) if cuda else dict(ran=False, why='no CUDA'),
    )
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(report, f, indent=2, default=str)
    failed = [f'{r["member"]} ({r["mode"]})' for r in rows if 'error' in r]
    log(f'wrote {args.out}: {len(rows) - len(failed)} of {len(rows)} runs passed'
        + (f'; failed: {", ".join(failed)}' if failed else ''))
    return report


def _mmcv_cuda_ops() -> Optional[str]:
    try:
        from mmcv.ops import get_compiling_cuda_version
        return get_compiling_cuda_version()
    except Exception as err:  # mmcv missing or without its compiled ops
        return f'unavailable: {err}'


if __name__ == '__main__':
    main()
