# Copyright (c) mmjepa contributors. All rights reserved.
"""Two gloo processes with a global batch B train exactly like one process with batch B.

Each rank gets the samples mmengine's samplers give it (global positions r, r + 2, ...) and runs the real
training step (data preprocessor, DDP forward, loss, gradient all-reduce, AdamW, EMA, masks from the model's
sampler). The mean of the ranks' losses and every parameter and buffer (context and EMA target encoders,
predictor, heads, step) must equal the single process's within 1e-5.
"""
import os.path as osp

import pytest
import torch
import torch.multiprocessing as mp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'configs', 'demo', '{}_vit-tiny-p8_1xb64-16e_demo-64px.py')
BATCH, STEPS = 8, 4
# '<algorithm>-groups': the demo config with masks drawn in groups of 2 (model.mask_group_size): 4 groups, 2 on
# each rank, 4 in the single process
GROUP_SIZE = 2


def build(algorithm: str):
    import mmjepa  # noqa: F401
    from mmengine.config import Config
    from mmengine.optim import OptimWrapper
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    algorithm, _, groups = algorithm.partition('-')
    cfg = Config.fromfile(DEMO.format(algorithm)).model
    if groups:
        cfg.mask_group_size = GROUP_SIZE
    cfg.backbone.arch = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
    cfg.predictor.update(predictor_dims=32, depth=1)
    cfg.target_generator.total_steps = STEPS
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):  # whatever scope an earlier test left current
        model = MODELS.build(cfg)
    model.init_weights()
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05))
    return model, optim


def batches():
    g = torch.Generator().manual_seed(1)
    return [torch.randint(0, 256, (BATCH, 3, 64, 64), generator=g, dtype=torch.uint8) for _ in range(STEPS)]


def train(model, optim, rank: int = 0, world_size: int = 1):
    """The training steps on ``batches()``, each followed by the EMA update as ``TargetEMAHook`` makes it
    (``update_target_after_step``: a wrapped model's train step leaves it to the hook). Returns the losses."""
    from mmpretrain.structures import DataSample

    from mmjepa.engine.hooks import update_target_after_step
    losses = []
    for images in batches():
        mine = images[rank::world_size]  # DefaultSampler's sharding
        data = dict(inputs=mine, data_samples=[DataSample() for _ in mine])  # default_collate's layout
        losses.append(float(model.train_step(data, optim)['loss']))
        update_target_after_step(model, optim)
    return losses


ALGORITHMS = ('ijepa', 'dmtjepa', 'ecijepa', 'ijepa-groups')


def _rank_main(rank: int, init_file: str, out_file: str, run_algorithm):
    """One of 2 gloo ranks: ``run_algorithm(algorithm, rank)`` for every algorithm; rank 0 saves the results."""
    import torch.distributed as dist
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=2)
    try:
        results = {algorithm: run_algorithm(algorithm, rank) for algorithm in ALGORITHMS}
        if rank == 0:
            torch.save(results, out_file)
    finally:
        dist.destroy_process_group()


def run_on_two_ranks(tmp_path_factory, run_algorithm) -> dict:
    """Spawn 2 gloo ranks running ``run_algorithm`` (a module-level function, for spawn); rank 0's results."""
    tmp = tmp_path_factory.mktemp('ranks')
    mp.spawn(_rank_main, args=(str(tmp / 'init'), str(tmp / 'out.pth'), run_algorithm), nprocs=2, join=True)
    return torch.load(tmp / 'out.pth', weights_only=True)


def mean_over_ranks(losses) -> list:
    import torch.distributed as dist
    losses = torch.tensor(losses)
    dist.all_reduce(losses)
    return (losses / dist.get_world_size()).tolist()


def _ddp_run(algorithm: str, rank: int) -> dict:
    from mmengine.model import MMDistributedDataParallel
    model, optim = build(algorithm)
    losses = train(MMDistributedDataParallel(module=model), optim, rank, 2)
    return dict(losses=mean_over_ranks(losses), state=model.state_dict(), due=model.target_update_due)


@pytest.fixture(scope='module')
def two_rank_results(tmp_path_factory):
    return run_on_two_ranks(tmp_path_factory, _ddp_run)


def assert_equals_one_process(algorithm: str, dist: dict):
    """``dist`` (mean losses and state dict of a 2-rank run) equals one process with the global batch within
    1e-5; returns that process's model."""
    model, optim = build(algorithm)
    single = train(model, optim)
    assert len(single) == STEPS
    assert not dist['due'] and not model.target_update_due  # the update after the last step is made
    torch.testing.assert_close(torch.tensor(dist['losses']), torch.tensor(single), rtol=0, atol=1e-5)
    state = model.state_dict()
    assert dist['state'].keys() == state.keys()
    assert int(state['step']) == STEPS
    for key, value in state.items():
        torch.testing.assert_close(dist['state'][key], value, rtol=0, atol=1e-5, msg=key)
    # the EMA target moved away from its initial copy of the context encoder, identically in both runs
    assert not torch.equal(state['target_generator.encoder.ln1.weight'], state['backbone.ln1.weight'])
    return model


@pytest.mark.parametrize('algorithm', ALGORITHMS)
def test_two_gloo_ranks_equal_one_process(algorithm, two_rank_results):
    assert_equals_one_process(algorithm, two_rank_results[algorithm])


def test_dist_train_sh_pretrains_with_every_runtime_hook(tiny_demo_set, tmp_path):
    """The pretraining runtime under tools/dist_train.sh with 2 gloo processes: resumable sampler over seeded
    data, iteration checkpoints, RNG state, the NaN guard's all-reduce and the collapse monitor on DDP."""
    import subprocess
    cmd = ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), DEMO.format('ijepa'), '2', '--work-dir', str(tmp_path),
           '--cfg-options', f'train_dataloader.dataset.dataset.data_root={tiny_demo_set}',
           'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0', 'train_cfg.max_epochs=1',
           'custom_hooks.0.interval=3', 'custom_hooks.3.interval=2', 'default_hooks.logger.interval=2']
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert 'rankme:' in out and 'feature_std:' in out
    assert (tmp_path / 'iter_3.pth').is_file() and (tmp_path / 'epoch_1.pth').is_file()
    ckpt = torch.load(tmp_path / 'epoch_1.pth', map_location='cpu', weights_only=True)
    assert int(ckpt['state_dict']['step']) == 4  # 16 images / (2 ranks x 2)


def test_mask_groups_are_drawn(two_rank_results):
    """The grouped run is not the global draw under another name: its losses differ."""
    assert two_rank_results['ijepa-groups']['losses'] != two_rank_results['ijepa']['losses']
