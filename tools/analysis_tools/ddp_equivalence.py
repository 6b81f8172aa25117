# Copyright (c) mmjepa contributors. All rights reserved.
"""Two DDP processes with a global batch train like one process with that batch (the GPU check's DDP part).

    python tools/analysis_tools/ddp_equivalence.py [--out FILE.json] [--backend nccl|gloo] [--device cuda|cpu]

A tiny I-JEPA (the demo config's model, 2 blocks of width 32) trains 4 steps, fp32, with the ImageNet recipes'
DDP options (``configs/_base_/imagenet_runtime.py``: ``gradient_as_bucket_view``, ``static_graph``): once in one
process on the whole batch, once in two processes (rank r takes samples r, r + 2, ...: mmengine's samplers), each
step followed by the EMA update as ``TargetEMAHook`` makes it. The mean of the ranks' losses and every tensor of
the state dict must agree within ``--atol`` (default 1e-4: GPU reductions are not bitwise reproducible across
batch splits). On a CUDA machine with 2 GPUs it runs NCCL (one GPU per rank); ``--backend gloo --device cpu``
runs the same check on the CPU.
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile

import torch
import torch.multiprocessing as mp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)  # this checkout's mmjepa
DEMO = osp.join(ROOT, 'configs', 'demo', 'ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py')
RUNTIME = osp.join(ROOT, 'configs', '_base_', 'imagenet_runtime.py')
BATCH, STEPS = 8, 4


def build(device: torch.device):
    import mmjepa  # noqa: F401
    from mmengine.config import Config
    from mmengine.optim import OptimWrapper
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(DEMO).model
    cfg.backbone.arch = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
    cfg.predictor.update(predictor_dims=32, depth=2)
    cfg.target_generator.total_steps = STEPS
    cfg.data_preprocessor = Config.fromfile(DEMO).data_preprocessor
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg)
    model.init_weights()
    model = model.to(device)
    optim = OptimWrapper(torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3,
                                           weight_decay=0.05))
    return model, optim


def train(model, optim, device: torch.device, rank: int = 0, world_size: int = 1):
    from mmpretrain.structures import DataSample

    from mmjepa.engine.hooks import update_target_after_step
    generator = torch.Generator().manual_seed(1)
    losses = []
    for _ in range(STEPS):
        images = torch.randint(0, 256, (BATCH, 3, 64, 64), generator=generator, dtype=torch.uint8)
        mine = images[rank::world_size]
        data = dict(inputs=mine, data_samples=[DataSample() for _ in mine])
        losses.append(float(model.train_step(data, optim)['loss']))
        update_target_after_step(model, optim)
    return losses


def wrapper_options() -> dict:
    from mmengine.config import Config
    return {k: v for k, v in Config.fromfile(RUNTIME).model_wrapper_cfg.items() if k != 'type'}


def _rank(rank: int, backend: str, device_type: str, init_file: str, out_file: str) -> None:
    import torch.distributed as dist
    from mmengine.model import MMDistributedDataParallel
    torch.set_num_threads(1)
    dist.init_process_group(backend, init_method=f'file://{init_file}', rank=rank, world_size=2)
    try:
        device = torch.device(device_type, rank) if device_type == 'cuda' else torch.device('cpu')
        if device.type == 'cuda':
            torch.cuda.set_device(device)
        model, optim = build(device)
        ddp = MMDistributedDataParallel(module=model, device_ids=[rank] if device.type == 'cuda' else None,
                                        **wrapper_options())
        losses = torch.tensor(train(ddp, optim, device, rank, 2), device=device)
        dist.all_reduce(losses)
        if rank == 0:
            torch.save(dict(losses=(losses / 2).cpu(), state={k: v.cpu() for k, v in model.state_dict().items()}),
                       out_file)
    finally:
        dist.destroy_process_group()


def check(backend: str, device_type: str, atol: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = osp.join(tmp, 'ranks.pth')
        mp.spawn(_rank, args=(backend, device_type, osp.join(tmp, 'init'), out), nprocs=2, join=True)
        ranks = torch.load(out, weights_only=True)
    device = torch.device(device_type, 0) if device_type == 'cuda' else torch.device('cpu')
    model, optim = build(device)
    single = torch.tensor(train(model, optim, device))
    loss_diff = float((ranks['losses'] - single).abs().max())
    state = {k: v.cpu() for k, v in model.state_dict().items()}
    worst_key, worst = None, 0.
    for key, value in state.items():
        diff = float((ranks['state'][key].double() - value.double()).abs().max()) if value.numel() else 0.
        if diff >= worst:
            worst_key, worst = key, diff
    return dict(backend=backend, device=device_type, steps=STEPS, global_batch=BATCH, options=wrapper_options(),
                losses_single=single.tolist(), losses_two_ranks=ranks['losses'].tolist(), max_loss_diff=loss_diff,
                max_state_diff=worst, worst_tensor=worst_key, atol=atol,
                passed=loss_diff <= atol and worst <= atol)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=None, help='write the result as JSON here')
    parser.add_argument('--backend', default=None, help='nccl on CUDA, gloo otherwise')
    parser.add_argument('--device', default=None, choices=['cuda', 'cpu'])
    parser.add_argument('--atol', type=float, default=1e-4)
    args = parser.parse_args(argv)
    device = args.device or ('cuda' if torch.cuda.is_available() and torch.cuda.device_count() >= 2 else 'cpu')
    backend = args.backend or ('nccl' if device == 'cuda' else 'gloo')
    result = check(backend, device, args.atol)
    print(json.dumps(result), flush=True)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    if not result['passed']:
        raise SystemExit(f'DDP equivalence failed: loss diff {result["max_loss_diff"]:.3g}, worst tensor '
                         f'{result["worst_tensor"]} {result["max_state_diff"]:.3g} > {args.atol}')
    return result


if __name__ == '__main__':
    main()
