# Copyright (c) mmjepa contributors. All rights reserved.
"""Time the full pretraining step of a config: images/s, step time, peak memory, FLOPs and MFU.

    python tools/analysis_tools/benchmark.py CONFIG [--batch-size N | --batch-sizes 8,16,32] [--iters K]
        [--warmup W] [--device cpu|cuda] [--amp] [--compile] [--threads T] [--peak-tflops P]
        [--out FILE.json] [--cfg-options k=v ...]

What one step is: exactly the runner's ``model.train_step(data, optim_wrapper)`` (mmengine's
``BaseModel.train_step``): the data preprocessor (host-to-device copy when on GPU, normalisation), the
algorithm's ``loss`` with everything it does (the real mask sampler, the EMA update, the target branch,
the context encoder on the kept tokens, the predictor, the loss), the backward pass, the optimizer step
and ``zero_grad``, through the optim wrapper built from the config with mmengine's
``build_optim_wrapper``. The images are random uint8 tensors of the config's crop size, held in (pinned)
host memory as a dataloader would hand them over; there is no dataloader, no parameter scheduler and no
logging hook (their cost is outside the model; mmengine's logging reads the loss with ``.item()``).

Precision: bf16 autocast through mmjepa's ``BF16OptimWrapper`` (no loss scaling, no host synchronisation) by
default on CUDA and with ``--amp`` on CPU; fp32 ``OptimWrapper`` otherwise (``--no-amp``). The config's own
wrapper type (``OptimWrapper``, ``AmpOptimWrapper`` or ``BF16OptimWrapper``) is replaced accordingly; its
optimizer and other settings are kept.

``--compile`` compiles the encoders and the predictor (``IJEPA.compile_networks``, ``dynamic=True``); a
dict-valued ``compile`` in the config gives its arguments. (mmengine's own ``compile=True`` compiles the
whole ``train_step``, which dynamo fails on at the optimizer step with torch 2.13 and mmengine 0.10.7.)

FLOPs are counted, not estimated: the first warm-up step runs under
``torch.utils.flop_counter.FlopCounterMode``, which adds up the FLOPs of every matmul, convolution and
attention kernel of the forward and backward passes (target encoder forward on all tokens, context
encoder forward and backward on the kept tokens, predictor forward and backward, any extra heads) with
the actual token counts of that step's masks. Element-wise operations are not counted (the usual MFU
convention). MFU = counted FLOPs per step / median step time / the device's dense bf16 peak (H100 and
H200: 989 TFLOP/s, A100: 312; ``--peak-tflops`` to override or to set one for another device).

Peak memory: ``torch.cuda.max_memory_allocated`` on GPU; the process's peak RSS (``ru_maxrss``) on CPU,
which includes the model, the optimizer state and the batch. A sweep (``--batch-sizes``) runs every batch
size in a fresh subprocess so that each peak is its own.
"""
import argparse
import json
import logging
import os
import os.path as osp
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa

import torch  # noqa: E402

#: Dense bf16 peak of the accelerators we benchmark on, TFLOP/s (no sparsity).
PEAK_BF16_TFLOPS = {'H100': 989., 'H200': 989., 'A100': 312.}
#: Optim wrappers whose precision the benchmark replaces (``--amp`` / ``--no-amp``).
PRECISION_WRAPPERS = ('OptimWrapper', 'AmpOptimWrapper', 'BF16OptimWrapper')


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='Benchmark the full pretraining step of a config')
    parser.add_argument('config', help='config file')
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--batch-size', type=int, help='batch size (default: the config\'s train batch size)')
    group.add_argument('--batch-sizes', help='comma-separated batch sizes to sweep, e.g. 8,16,32')
    parser.add_argument('--iters', type=int, default=10, help='timed steps per batch size (default 10)')
    parser.add_argument('--warmup', type=int, default=3, help='untimed steps first (default 3, at least 1)')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default=None,
                        help='default: cuda when available, else cpu')
    amp = parser.add_mutually_exclusive_group()
    amp.add_argument('--amp', action='store_true', help='bf16 autocast (BF16OptimWrapper); default on CUDA')
    amp.add_argument('--no-amp', action='store_true', help='fp32 even on CUDA')
    parser.add_argument('--compile', action='store_true',
                        help='torch.compile the encoders and the predictor (IJEPA.compile_networks)')
    parser.add_argument('--threads', type=int, default=None, help='torch.set_num_threads (CPU)')
    parser.add_argument('--peak-tflops', type=float, default=None,
                        help='device peak for the MFU, TFLOP/s (default: bf16 dense peak from a table)')
    parser.add_argument('--no-flops', action='store_true', help='skip the FLOP count')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='write the results as JSON to this file')
    parser.add_argument('--quiet', action='store_true', help='no per-step progress lines')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. model.backbone.arch=small')
    return parser.parse_args(argv)


def log(msg: str) -> None:
    print(f'[benchmark] {msg}', flush=True)


# ------------------------------------------------------------------------------------------------ building
def load_config(args):
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def crop_size_of(cfg) -> int:
    """The training crop: the pipeline's RandomResizedCrop, else the backbone's img_size, else 224."""
    dataset = cfg.get('train_dataloader', {}).get('dataset', {})
    while 'dataset' in dataset:  # dataset wrappers (SeededDataset, RepeatDataset, ...)
        dataset = dataset['dataset']
    pipeline = dataset.get('pipeline') or cfg.get('train_pipeline') or []
    for step in pipeline or []:
        if 'RandomResizedCrop' in str(step.get('type', '')):
            scale = step.get('scale', step.get('size'))
            return int(scale if isinstance(scale, int) else scale[0])
    img_size = cfg.model.get('backbone', {}).get('img_size', 224)
    return int(img_size if isinstance(img_size, int) else img_size[0])


def default_batch_size(cfg) -> int:
    return int(cfg.get('train_dataloader', {}).get('batch_size', 8))


def build(cfg, args, device: torch.device):
    """Model (with the config's data preprocessor, as the Runner merges it) and optim wrapper."""
    import copy

    from mmengine.logging import MessageHub, MMLogger
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.utils import import_modules_from_strings

    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    import mmjepa  # noqa: F401
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))

    # Run length for schedules that read it from the message hub (e.g. the EMA momentum), as the loop sets.
    hub = MessageHub.get_current_instance()
    hub.update_info('max_iters', 1_000_000)
    hub.update_info('max_epochs', cfg.get('train_cfg', {}).get('max_epochs', 100))
    hub.update_info('iter', 0)
    hub.update_info('epoch', 0)

    # mmengine's optimizer constructor warns about every frozen (EMA) parameter: keep the output readable.
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.ERROR)
    model_cfg = copy.deepcopy(cfg.model)
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    model.init_weights()
    model = model.to(device)
    model.train()

    wrapper_cfg = copy.deepcopy(cfg.optim_wrapper)
    use_amp = args.amp or (device.type == 'cuda' and not args.no_amp)
    if wrapper_cfg.get('type', 'OptimWrapper') not in PRECISION_WRAPPERS:
        raise SystemExit(f'optim_wrapper.type={wrapper_cfg["type"]!r}: the benchmark sets the precision itself and '
                         f'knows only {", ".join(PRECISION_WRAPPERS)}')
    wrapper_cfg['type'] = 'BF16OptimWrapper' if use_amp else 'OptimWrapper'
    for key in ('dtype', 'loss_scale', 'use_fsdp'):  # AmpOptimWrapper's own arguments
        wrapper_cfg.pop(key, None)
    optim_wrapper = build_optim_wrapper(model, wrapper_cfg)
    logger.setLevel(level)
    return model, optim_wrapper, type(optim_wrapper).__name__, use_amp


def make_batch(batch_size: int, crop: int, device: torch.device, seed: int) -> Dict:
    """A collated batch as the dataloader hands it over: uint8 images in (pinned) host memory."""
    from mmpretrain.structures import DataSample
    gen = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (batch_size, 3, crop, crop), dtype=torch.uint8, generator=gen)
    if device.type == 'cuda':
        images = images.pin_memory()
    return dict(inputs=images, data_samples=[DataSample() for _ in range(batch_size)])


# ------------------------------------------------------------------------------------------------ measuring
def _register_cpu_attention_flops() -> None:
    """FlopCounterMode knows the CUDA attention kernels; count CPU flash attention with the same formula."""
    from torch.utils import flop_counter as fc
    aten = torch.ops.aten
    pairs = [('_scaled_dot_product_flash_attention_for_cpu', fc.sdpa_flop),
             ('_scaled_dot_product_flash_attention_for_cpu_backward', fc.sdpa_backward_flop)]
    for name, formula in pairs:
        op = getattr(aten, name, None)
        if op is not None and op not in fc.flop_registry:
            fc.register_flop_formula(op, get_raw=True)(formula)  # `formula` is already shape-wrapped


def peak_tflops_of(device: torch.device, override: Optional[float]) -> Optional[float]:
    if override is not None:
        return override
    if device.type != 'cuda':
        return None
    name = torch.cuda.get_device_name(device)
    for key, value in PEAK_BF16_TFLOPS.items():
        if key in name:
            return value
    return None


def device_name(device: torch.device) -> str:
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(line.split(':', 1)[1].strip() for line in f if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return f'{cpu} ({os.cpu_count()} logical cores, torch threads {torch.get_num_threads()})'


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.  # Linux: KiB


def current_rss_mib() -> float:
    try:
        import psutil
        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        return float('nan')


def run_one(cfg, args, batch_size: int) -> Dict:
    """Build, warm up, time ``args.iters`` steps at one batch size; returns the result row."""
    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    crop = crop_size_of(cfg)
    model, optim_wrapper, wrapper_name, use_amp = build(cfg, args, device)
    train_step = model.train_step
    if args.compile:
        # The encoders and the predictor (IJEPA.compile_networks), not mmengine's whole train_step: dynamo
        # cannot trace mmengine's optimizer param groups (torch 2.13), and the optimizer is already fused.
        compile_cfg = cfg.get('compile', None)
        model.compile_networks(**(dict(compile_cfg) if isinstance(compile_cfg, dict) else {}))
    data = make_batch(batch_size, crop, device, args.seed)
    rss_built = current_rss_mib()
    log(f'{type(model).__name__} built: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters '
        f'({sum(p.numel() for p in model.parameters() if p.requires_grad) / 1e6:.1f}M trained), crop {crop}, '
        f'batch {batch_size}, {device_name(device)}, {wrapper_name}{" bf16" if use_amp else " fp32"}'
        f'{", compiled" if args.compile else ""}')
    cuda = device.type == 'cuda'
    if cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)

    # Warm-up; the first step is counted by FlopCounterMode.
    flops_per_step = None
    for i in range(max(args.warmup, 1)):
        t0 = time.perf_counter()
        if i == 0 and not args.no_flops:
            from torch.utils.flop_counter import FlopCounterMode
            _register_cpu_attention_flops()
            with FlopCounterMode(display=False) as counter:
                train_step(data, optim_wrapper)
            flops_per_step = counter.get_total_flops()
        else:
            train_step(data, optim_wrapper)
        if cuda:
            torch.cuda.synchronize(device)
        if not args.quiet:
            log(f'bs {batch_size} warm-up {i + 1}/{max(args.warmup, 1)}: {time.perf_counter() - t0:.3f} s')

    # Timed steps: CUDA events around each step, one synchronisation at the end (the host runs ahead as in
    # training); perf_counter on CPU.
    times: List[float] = []
    if cuda:
        events = [torch.cuda.Event(enable_timing=True) for _ in range(args.iters + 1)]
        torch.cuda.synchronize(device)
        wall0 = time.perf_counter()
        events[0].record()
        for i in range(args.iters):
            train_step(data, optim_wrapper)
            events[i + 1].record()
        torch.cuda.synchronize(device)
        wall = time.perf_counter() - wall0
        times = [events[i].elapsed_time(events[i + 1]) / 1e3 for i in range(args.iters)]
        if not args.quiet:
            log(f'bs {batch_size}: {args.iters} steps in {wall:.3f} s')
        peak_mem, mem_kind = torch.cuda.max_memory_allocated(device) / 2**20, 'cuda_max_memory_allocated'
    else:
        wall0 = time.perf_counter()
        for i in range(args.iters):
            t0 = time.perf_counter()
            train_step(data, optim_wrapper)
            times.append(time.perf_counter() - t0)
            if not args.quiet:
                log(f'bs {batch_size} step {i + 1}/{args.iters}: {times[-1]:.3f} s')
        wall = time.perf_counter() - wall0
        peak_mem, mem_kind = peak_rss_mib(), 'peak_rss'

    median = statistics.median(times)
    peak = peak_tflops_of(device, args.peak_tflops)
    row = dict(
        batch_size=batch_size,
        optim_wrapper=wrapper_name,
        iters=args.iters,
        warmup=max(args.warmup, 1),
        step_time_median_s=median,
        step_time_mean_s=statistics.fmean(times),
        step_time_min_s=min(times),
        step_times_s=times,
        images_per_s=batch_size / median,
        images_per_s_wall=batch_size * args.iters / wall,
        peak_mem_mib=peak_mem,
        peak_mem_kind=mem_kind,
        rss_after_build_mib=rss_built,
        flops_per_step=flops_per_step,
        flops_per_image=None if flops_per_step is None else flops_per_step / batch_size,
        achieved_tflops=None if flops_per_step is None else flops_per_step / median / 1e12,
        peak_tflops=peak,
        mfu=None if (flops_per_step is None or peak is None) else flops_per_step / median / (peak * 1e12),
    )
    return row


def format_row(row: Dict) -> str:
    if 'error' in row:
        return f"bs {row['batch_size']}: FAILED: {row['error']}"
    gflops = '-' if row['flops_per_image'] is None else f"{row['flops_per_image'] / 1e9:.2f}"
    mfu = '' if row['mfu'] is None else f", MFU {100 * row['mfu']:.1f}%"
    tflops = '' if row['achieved_tflops'] is None else f", {row['achieved_tflops']:.3f} TFLOP/s"
    return (f"bs {row['batch_size']}: {row['images_per_s']:.2f} images/s, median step "
            f"{1e3 * row['step_time_median_s']:.1f} ms, peak mem {row['peak_mem_mib']:.0f} MiB "
            f"({row['peak_mem_kind']}), {gflops} GFLOPs/image (fwd+bwd){tflops}{mfu}")


def main(argv=None):
    args = parse_args(argv)
    if args.device is None:
        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('--device cuda: no CUDA device is available')
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = load_config(args)
    batch_sizes = ([int(b) for b in args.batch_sizes.split(',') if b.strip()] if args.batch_sizes else
                   [args.batch_size or default_batch_size(cfg)])

    rows = []
    if len(batch_sizes) == 1:
        rows.append(run_one(cfg, args, batch_sizes[0]))
    else:  # one subprocess per batch size: clean peak memory, and an OOM does not end the sweep
        argv = list(sys.argv[1:] if argv is None else argv)
        base = [a for a in _drop_option(_drop_option(argv, '--batch-sizes'), '--out')]
        for bs in batch_sizes:
            with tempfile.TemporaryDirectory() as tmp:
                out = osp.join(tmp, 'row.json')
                cmd = [sys.executable, osp.abspath(__file__)] + base + ['--batch-size', str(bs), '--out', out]
                log(f'sweep: batch size {bs}')
                proc = subprocess.run(cmd)
                if proc.returncode == 0 and osp.exists(out):
                    with open(out) as f:
                        rows.extend(json.load(f)['results'])
                else:
                    rows.append(dict(batch_size=bs, error=f'exit status {proc.returncode} (out of memory?)'))

    for row in rows:
        log(format_row(row))
    result = dict(
        config=args.config,
        cfg_options=args.cfg_options,
        device=args.device,
        device_name=device_name(torch.device(args.device)),
        torch=torch.__version__,
        python=platform.python_version(),
        num_threads=torch.get_num_threads(),
        amp=args.amp or (args.device == 'cuda' and not args.no_amp),
        compile=args.compile,
        flop_counter='torch.utils.flop_counter.FlopCounterMode: matmul/conv/attention FLOPs of one full '
                     'training step (forward + backward), actual mask token counts; element-wise ops excluded',
        results=rows,
    )
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2, default=str)
        log(f'wrote {args.out}')
    return result


def _drop_option(argv: List[str], name: str) -> List[str]:
    """``argv`` without ``name VALUE`` / ``name=VALUE``."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == name:
            skip = True
            continue
        if a.startswith(name + '='):
            continue
        out.append(a)
    return out


if __name__ == '__main__':
    main()
