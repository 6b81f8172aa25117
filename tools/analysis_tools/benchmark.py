# Copyright (c) mmjepa contributors. All rights reserved.
"""Time the full pretraining step of a config: samples/s, step time, peak memory, FLOPs and MFU.

    python tools/analysis_tools/benchmark.py CONFIG [--batch-size N | --batch-sizes 8,16,32] [--iters K]
        [--warmup W] [--device cpu|cuda] [--amp] [--compile] [--threads T] [--peak-tflops P]
        [--breakdown] [--out FILE.json] [--cfg-options k=v ...]

What one step is: exactly the runner's ``model.train_step(data, optim_wrapper)`` (mmengine's
``BaseModel.train_step``): the data preprocessor (host-to-device copy when on GPU, normalisation), the
algorithm's ``loss`` with everything it does (the real mask sampler, the EMA update, the target branch,
the context encoder on the kept tokens, the predictor, the loss), the backward pass, the optimizer step
and ``zero_grad``, through the optim wrapper built from the config with mmengine's
``build_optim_wrapper``. The input is synthetic and sized by the model (:func:`synthetic_inputs`): random
uint8 images ``[B, in_channels, H, W]`` at the backbone's ``img_size`` for a ViT (I-JEPA, DMT-JEPA, EC-IJEPA,
SAR-JEPA's one channel), standardised float signals ``[B, leads, signal_length]`` for a
:class:`TokenTransformer` with a :class:`SignalPatchEmbed` tokenizer (ECG-JEPA), table rows ``[B, F]`` (standard-normal
numeric columns, then category codes) for one with a :class:`TabularTokenizer` (T-JEPA), sequences of uint8 views with
random actions for a model with an ``aggregator`` (seq-JEPA: views and size from the config's pipeline); it is held in (pinned) host
memory as a dataloader would hand it over. No dataset is read: a config whose dataset ``_base_`` file is
missing still loads (that base is left out, with a message). There is no dataloader, no parameter scheduler
and no logging hook (their cost is outside the model; mmengine's logging reads the loss with ``.item()``).

``--breakdown`` also times the parts of the step that the algorithm's template (:class:`BaseJEPA`) names:
``sample_masks`` (with ``model.mask_group_size`` and several groups in the benchmarked batch the draws run in
``mask_groups`` and count in ``rest``), ``compute_targets`` (the target branch: the EMA encoder's forward, or a
fixed operator such as SAR-JEPA's ROA gradients, and the gather at the target tokens), ``predict_targets`` (context
encoder and predictor, forward only) and ``update_target`` (the EMA update after the optimizer step; nothing for a
fixed operator). Each is reported as a median time and as its share of the total step time (CUDA events on GPU, so
the host still runs ahead; ``perf_counter`` on CPU); the remainder is the loss, the backward pass, the optimizer and
the data preprocessor.

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
from typing import Callable, Dict, List, Optional, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa

import torch  # noqa: E402

#: Dense bf16 peak of the accelerators we benchmark on, TFLOP/s (no sparsity).
PEAK_BF16_TFLOPS = {'H100': 989., 'H200': 989., 'A100': 312.}
#: Optim wrappers whose precision the benchmark replaces (``--amp`` / ``--no-amp``).
PRECISION_WRAPPERS = ('OptimWrapper', 'AmpOptimWrapper', 'BF16OptimWrapper')
#: Parts of the step ``--breakdown`` times: methods of the algorithm (``BaseJEPA``'s template).
BREAKDOWN_PARTS = ('sample_masks', 'compute_targets', 'predict_targets', 'update_target')
#: Clip of the synthetic standardised signals (the ECG pipelines' ``NormalizeSignal(clip=5.0)``).
SIGNAL_CLIP = 5.0


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
    parser.add_argument('--breakdown', action='store_true',
                        help='also time the mask draw, the target branch (EMA encoder or fixed operator), the '
                             'context branch and the target update, as shares of the step')
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
    try:
        cfg = Config.fromfile(args.config)
    except FileNotFoundError as err:
        cfg = _load_without_missing_dataset_bases(args.config, err)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def _load_without_missing_dataset_bases(path: str, err: FileNotFoundError):
    """The config ``path`` without those of its (own) ``_base_`` files that are missing dataset configs (the
    benchmark reads no data); any other missing file raises ``err``."""
    import ast

    from mmengine.config import Config
    with open(path) as f:
        source = f.read()
    node = next((n for n in ast.parse(source).body if isinstance(n, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == '_base_' for t in n.targets)), None)
    if node is None:
        raise err
    bases = ast.literal_eval(node.value)
    bases = [bases] if isinstance(bases, str) else list(bases)
    here = osp.dirname(osp.abspath(path))
    resolved = [osp.normpath(osp.join(here, b)) for b in bases]
    missing = [b for b in resolved if not osp.exists(b)]
    if not missing or any(osp.basename(osp.dirname(b)) != 'datasets' for b in missing):
        raise err
    for b in missing:
        log(f'{osp.relpath(b)} (a _base_ of {path}) does not exist: loaded without it (the benchmark '
            'uses synthetic input and reads no dataset)')
    kept = [b for b in resolved if b not in missing]
    segment = ast.get_source_segment(source, node.value)
    with tempfile.TemporaryDirectory() as tmp:
        patched = osp.join(tmp, osp.basename(path))
        with open(patched, 'w') as f:
            f.write(source.replace(segment, repr(kept), 1))
        return Config.fromfile(patched)


def synthetic_inputs(backbone: torch.nn.Module, batch_size: int,
                     generator: torch.Generator) -> Tuple[torch.Tensor, str]:
    """A batch for ``backbone`` as the data pipeline would give it, sized by the backbone itself, and its kind:

    - a ViT (``patch_embed`` and ``img_size``: :class:`JEPAViT`): uint8 images ``[B, in_channels, H, W]``
      (the data preprocessor normalises them);
    - a :class:`TokenTransformer` whose tokenizer is a :class:`SignalPatchEmbed` (``in_channels`` and
      ``signal_length``): standard-normal float signals ``[B, leads, signal_length]`` clipped to +-5 (the
      pipeline's ``NormalizeSignal`` output);
    - a :class:`TokenTransformer` whose tokenizer is a :class:`TabularTokenizer` (``num_numeric`` and
      ``cardinalities``): rows ``[B, F]`` of standard-normal numeric columns (the dataset standardises them)
      followed by uniform category codes.

    Any other backbone raises a ``SystemExit`` naming it: add its case here.
    """
    patch_embed = getattr(backbone, 'patch_embed', None)
    if patch_embed is not None and getattr(backbone, 'img_size', None) is not None:
        height, width = backbone.img_size
        channels = patch_embed.projection.in_channels
        images = torch.randint(0, 256, (batch_size, channels, height, width), dtype=torch.uint8, generator=generator)
        return images, 'images'
    tokenizer = getattr(backbone, 'tokenizer', None)
    if tokenizer is not None and hasattr(tokenizer, 'signal_length') and hasattr(tokenizer, 'in_channels'):
        signals = torch.randn(batch_size, tokenizer.in_channels, tokenizer.signal_length, generator=generator)
        return signals.clamp_(-SIGNAL_CLIP, SIGNAL_CLIP), 'signals'
    if tokenizer is not None and hasattr(tokenizer, 'num_numeric') and hasattr(tokenizer, 'cardinalities'):
        numeric = torch.randn(batch_size, tokenizer.num_numeric, generator=generator)
        codes = [torch.randint(0, c, (batch_size, 1), generator=generator).float() for c in tokenizer.cardinalities]
        return torch.cat([numeric] + codes, dim=1), 'rows'
    raise SystemExit(f'benchmark.py cannot build a synthetic input for model.backbone.type='
                     f'{type(backbone).__name__}' + (f' (tokenizer {type(tokenizer).__name__})' if tokenizer else '') +
                     ': it feeds ViTs (patch_embed + img_size) and TokenTransformers with a SignalPatchEmbed or '
                     'TabularTokenizer tokenizer; add the case to synthetic_inputs() in tools/analysis_tools/benchmark.py')


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


def sequence_view_size(cfg, default: int = 32) -> Tuple[int, int]:
    """``(views per sequence, view size)`` of a view-sequence config (seq-JEPA): from its train pipeline's
    ``LoadRenderedViews`` (``num_views``, ``img_size``) or ``ParamAugmentedViews`` (``num_views``, ``size``)."""
    dataset = cfg.get('train_dataloader', {}).get('dataset', {})
    while 'dataset' in dataset:
        dataset = dataset['dataset']
    for step in dataset.get('pipeline', []):
        if step.get('type') == 'LoadRenderedViews':
            return int(step.get('num_views', 4)), int(step.get('img_size') or default)
        if step.get('type') == 'ParamAugmentedViews':
            return int(step.get('num_views', 4)), int(step.get('size', default))
    return 4, default


def synthetic_sequences(model, batch_size: int, generator: torch.Generator, num_views: int,
                        view_size: int) -> Tuple[List[torch.Tensor], List]:
    """A view-sequence batch (seq-JEPA): ``num_views`` uint8 image batches ``[B, 3, S, S]`` and data samples
    carrying ``num_views - 1`` standard-normal actions of the aggregator's width."""
    from mmpretrain.structures import DataSample
    views = [torch.randint(0, 256, (batch_size, 3, view_size, view_size), dtype=torch.uint8, generator=generator)
             for _ in range(num_views)]
    samples = [DataSample(actions=torch.randn(num_views - 1, model.aggregator.action_dims, generator=generator))
               for _ in range(batch_size)]
    return views, samples


def synthetic_chunks(model, batch_size: int, generator: torch.Generator) -> Dict[str, torch.Tensor]:
    """A batch of :class:`MetaWorldDemoDataset` samples for an ACT-JEPA ``model``: standard-normal observations
    ``obs`` [B, history, D] and ``future_obs`` [B, k, D], uniform actions in [-1, 1] ``[B, k, A]``, no padding;
    uniform task indices ``task`` [B] for a multi-task policy (``model.tasks``)."""
    k, dims = model.chunk_size, model.backbone.obs_dims
    batch = dict(obs=torch.randn(batch_size, model.history, dims, generator=generator),
                 actions=torch.rand(batch_size, k, model.action_dims, generator=generator) * 2 - 1,
                 future_obs=torch.randn(batch_size, k, dims, generator=generator),
                 action_pad=torch.zeros(batch_size, k, dtype=torch.bool))
    if getattr(model, 'tasks', None):
        batch['task'] = torch.randint(len(model.tasks), (batch_size,), generator=generator)
    return batch


def synthetic_scans(model, batch_size: int, generator: torch.Generator, num_points: int = 5000) -> List[torch.Tensor]:
    """LiDAR scans for a BEV-encoder ``model`` (AD-L-JEPA): ``num_points`` points ``(x, y, z, intensity)``
    uniform in the voxel layer's range, intensity in [0, 1] (a KITTI scan's FOV part holds ~20k points)."""
    low, high = torch.tensor(model.data_preprocessor.voxel_layer.point_cloud_range, dtype=torch.float32).view(2, 3)
    return [torch.cat([low + (high - low) * torch.rand(num_points, 3, generator=generator),
                       torch.rand(num_points, 1, generator=generator)], dim=1) for _ in range(batch_size)]


def make_batch(model, batch_size: int, device: torch.device, seed: int, cfg=None) -> Tuple[Dict, str]:
    """A collated batch as the dataloader hands it over (in pinned host memory on GPU), and its kind."""
    from mmpretrain.structures import DataSample
    gen = torch.Generator().manual_seed(seed)
    if hasattr(model, 'aggregator'):  # view sequences with actions (seq-JEPA)
        inputs, samples = synthetic_sequences(model, batch_size, gen, *sequence_view_size(cfg or {}))
        if device.type == 'cuda':
            inputs = [view.pin_memory() for view in inputs]
        return dict(inputs=inputs, data_samples=samples), 'sequences'
    if hasattr(model, 'action_decoder'):  # action-chunk policies on state observations (ACT-JEPA)
        inputs = synthetic_chunks(model, batch_size, gen)
        if device.type == 'cuda':
            inputs = {k: v.pin_memory() for k, v in inputs.items()}
        return dict(inputs=inputs, data_samples=None), 'action chunks'
    if hasattr(model.backbone, 'bev_shape'):  # LiDAR scans voxelised by the data preprocessor (AD-L-JEPA)
        from mmdet3d.structures import Det3DDataSample
        points = synthetic_scans(model, batch_size, gen)
        if device.type == 'cuda':
            points = [p.pin_memory() for p in points]
        return dict(inputs=dict(points=points), data_samples=[Det3DDataSample() for _ in range(batch_size)]), 'scans'
    inputs, kind = synthetic_inputs(model.backbone, batch_size, gen)
    if device.type == 'cuda':
        inputs = inputs.pin_memory()
    return dict(inputs=inputs, data_samples=[DataSample() for _ in range(batch_size)]), kind


class StepBreakdown:
    """Times the calls of some methods of ``model`` (instance attributes shadowing them) while installed:
    CUDA events on GPU (read once at the end, no synchronisation in the step), ``perf_counter`` on CPU."""

    def __init__(self, model, names, device: torch.device):
        self.model, self.cuda = model, device.type == 'cuda'
        self.names = [n for n in names if callable(getattr(model, n, None))]
        self.records: Dict[str, list] = {n: [] for n in self.names}
        self.step_records: Dict[str, list] = {n: [] for n in self.names}

    def _timed(self, name: str, fn: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            if self.cuda:
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                out = fn(*args, **kwargs)
                end.record()
                self.records[name].append((start, end))
            else:
                t0 = time.perf_counter()
                out = fn(*args, **kwargs)
                self.records[name].append(time.perf_counter() - t0)
            return out
        return wrapper

    def __enter__(self):
        for name in self.names:
            setattr(self.model, name, self._timed(name, getattr(self.model, name)))
        return self

    def __exit__(self, *exc):
        for name in self.names:
            delattr(self.model, name)  # the class's method again

    def end_step(self) -> None:
        """Close one step: its calls of each method are summed (a method may run several times, or none)."""
        for name in self.names:
            self.step_records[name].append(self.records[name])
            self.records[name] = []

    def seconds(self, name: str) -> List[float]:
        """Per step, the time spent in ``name`` (after the device is synchronised)."""
        def duration(r):
            return r[0].elapsed_time(r[1]) / 1e3 if self.cuda else r
        return [sum(duration(r) for r in calls) for calls in self.step_records[name]]

    def summary(self, step_times: List[float]) -> Dict:
        total = sum(step_times)
        parts = {}
        for name in self.names:
            times = self.seconds(name)
            parts[name] = dict(median_s=statistics.median(times), total_s=sum(times),
                               share_of_step=sum(times) / total)
        rest = total - sum(p['total_s'] for p in parts.values())
        parts['rest'] = dict(total_s=rest, share_of_step=rest / total,
                             what='data preprocessor, loss, backward, optimizer step, zero_grad')
        return parts


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
    model, optim_wrapper, wrapper_name, use_amp = build(cfg, args, device)
    train_step = model.train_step
    if args.compile:
        # The encoders and the predictor (IJEPA.compile_networks), not mmengine's whole train_step: dynamo
        # cannot trace mmengine's optimizer param groups (torch 2.13), and the optimizer is already fused.
        compile_cfg = cfg.get('compile', None)
        model.compile_networks(**(dict(compile_cfg) if isinstance(compile_cfg, dict) else {}))
    data, input_kind = make_batch(model, batch_size, device, args.seed, cfg)
    inputs = data['inputs']
    if isinstance(inputs, dict):  # named tensors (ACT-JEPA): the first one's shape
        inputs = next(iter(inputs.values()))
    input_shape = [len(inputs), *inputs[0].shape[1:]] if isinstance(inputs, list) else list(inputs.shape[1:])
    if input_kind == 'scans':  # one scan's points x features
        input_shape = list(inputs[0].shape)
    rss_built = current_rss_mib()
    log(f'{type(model).__name__} built: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters '
        f'({sum(p.numel() for p in model.parameters() if p.requires_grad) / 1e6:.1f}M trained), {input_kind} '
        f'{"x".join(map(str, input_shape))}, batch {batch_size}, {device_name(device)}, '
        f'{wrapper_name}{" bf16" if use_amp else " fp32"}'
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
    parts = BREAKDOWN_PARTS
    if 'masks_for' in vars(type(model)):  # masks drawn from the data (AD-L-JEPA), not by sample_masks
        parts = tuple('masks_for' if name == 'sample_masks' else name for name in parts)
    breakdown = StepBreakdown(model, parts if args.breakdown else (), device)
    if cuda:
        events = [torch.cuda.Event(enable_timing=True) for _ in range(args.iters + 1)]
        torch.cuda.synchronize(device)
        wall0 = time.perf_counter()
        events[0].record()
        with breakdown:
            for i in range(args.iters):
                train_step(data, optim_wrapper)
                events[i + 1].record()
                breakdown.end_step()
        torch.cuda.synchronize(device)
        wall = time.perf_counter() - wall0
        times = [events[i].elapsed_time(events[i + 1]) / 1e3 for i in range(args.iters)]
        if not args.quiet:
            log(f'bs {batch_size}: {args.iters} steps in {wall:.3f} s')
        peak_mem, mem_kind = torch.cuda.max_memory_allocated(device) / 2**20, 'cuda_max_memory_allocated'
    else:
        wall0 = time.perf_counter()
        with breakdown:
            for i in range(args.iters):
                t0 = time.perf_counter()
                train_step(data, optim_wrapper)
                times.append(time.perf_counter() - t0)
                breakdown.end_step()
                if not args.quiet:
                    log(f'bs {batch_size} step {i + 1}/{args.iters}: {times[-1]:.3f} s')
        wall = time.perf_counter() - wall0
        peak_mem, mem_kind = peak_rss_mib(), 'peak_rss'

    median = statistics.median(times)
    peak = peak_tflops_of(device, args.peak_tflops)
    target_generator = getattr(model, 'target_generator', None)
    row = dict(
        batch_size=batch_size,
        algorithm=type(model).__name__,
        target_generator=None if target_generator is None else type(target_generator).__name__,
        target_operator=type(getattr(target_generator, 'operator', None)).__name__
        if getattr(target_generator, 'operator', None) is not None else None,
        input_kind=input_kind,
        input_shape=input_shape,
        input_dtype=str((inputs[0] if isinstance(inputs, list) else inputs).dtype).replace('torch.', ''),
        optim_wrapper=wrapper_name,
        iters=args.iters,
        warmup=max(args.warmup, 1),
        step_time_median_s=median,
        step_time_mean_s=statistics.fmean(times),
        step_time_min_s=min(times),
        step_times_s=times,
        samples_per_s=batch_size / median,
        samples_per_s_wall=batch_size * args.iters / wall,
        images_per_s=batch_size / median if input_kind == 'images' else None,
        images_per_s_wall=batch_size * args.iters / wall if input_kind == 'images' else None,
        peak_mem_mib=peak_mem,
        peak_mem_kind=mem_kind,
        rss_after_build_mib=rss_built,
        flops_per_step=flops_per_step,
        flops_per_image=None if flops_per_step is None else flops_per_step / batch_size,
        achieved_tflops=None if flops_per_step is None else flops_per_step / median / 1e12,
        peak_tflops=peak,
        mfu=None if (flops_per_step is None or peak is None) else flops_per_step / median / (peak * 1e12),
        breakdown=breakdown.summary(times) if args.breakdown else None,
    )
    return row


def format_row(row: Dict) -> str:
    if 'error' in row:
        return f"bs {row['batch_size']}: FAILED: {row['error']}"
    gflops = '-' if row['flops_per_image'] is None else f"{row['flops_per_image'] / 1e9:.2f}"
    mfu = '' if row['mfu'] is None else f", MFU {100 * row['mfu']:.1f}%"
    tflops = '' if row['achieved_tflops'] is None else f", {row['achieved_tflops']:.3f} TFLOP/s"
    kind = row.get('input_kind', 'images')
    text = (f"bs {row['batch_size']}: {row['samples_per_s']:.2f} {kind}/s, median step "
            f"{1e3 * row['step_time_median_s']:.1f} ms, peak mem {row['peak_mem_mib']:.0f} MiB "
            f"({row['peak_mem_kind']}), {gflops} GFLOPs/{kind[:-1]} (fwd+bwd){tflops}{mfu}")
    if row.get('breakdown'):
        text += '; ' + ', '.join(f"{name} {100 * part['share_of_step']:.1f}%"
                                 + (f" ({1e3 * part['median_s']:.1f} ms)" if 'median_s' in part else '')
                                 for name, part in row['breakdown'].items())
    return text


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
        breakdown=args.breakdown,
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
