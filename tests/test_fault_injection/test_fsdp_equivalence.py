# Copyright (c) mmjepa contributors. All rights reserved.
"""FSDP (mmengine's MMFullyShardedDataParallel, FULL_SHARD, ``use_orig_params=True``, mmjepa's
``jepa_fsdp_wrap_policy``, 2 gloo processes on the CPU) with the EMA update made before each step on the
sharded parameters (``fsdp_update_target``, as ``FSDPEMAHook`` does) trains exactly like one process with the
same global batch: losses and the gathered full state dict (encoders, EMA target, predictor, heads, step)
within 1e-5."""
import pytest
import torch
import torch.multiprocessing as mp

from test_dist_equivalence import ALGORITHMS, batches, build  # noqa: E402  (same tiny models and data)

from mmjepa.engine.hooks import fsdp_update_target, jepa_fsdp_wrap_policy
from mmjepa.engine.hooks.fsdp_ema import root_unit_gathered


def _train_fsdp(wrapped, optim, rank: int, world_size: int):
    from mmpretrain.structures import DataSample
    wrapped.module.ema_in_forward = False
    losses = []
    for images in batches():
        fsdp_update_target(wrapped)  # FSDPEMAHook.before_train_iter
        mine = images[rank::world_size]
        data = dict(inputs=mine, data_samples=[DataSample() for _ in mine])
        losses.append(float(wrapped.train_step(data, optim)['loss']))
    return losses


def _full_state_dict(wrapped):
    """Every tensor gathered. (FSDP's FULL_STATE_DICT hooks with offload_to_cpu crash on CPU tensors with
    torch 2.13: segmentation fault in param_hook.)"""
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
    with FSDP.summon_full_params(wrapped, writeback=False):
        return {k.replace('_fsdp_wrapped_module.', ''): v.detach().clone()
                for k, v in wrapped.module.state_dict().items()}


def _rank_main(rank: int, init_file: str, out_file: str):
    import torch.distributed as dist
    from mmengine.model.wrappers import MMFullyShardedDataParallel
    from mmengine.optim import OptimWrapper
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=2)
    try:
        results = {}
        for algorithm in ALGORITHMS:
            model, _ = build(algorithm)
            wrapped = MMFullyShardedDataParallel(module=model, use_orig_params=True, device_id=torch.device('cpu'),
                                                 auto_wrap_policy=jepa_fsdp_wrap_policy)
            units = sum(1 for m in wrapped.modules() if type(m).__name__ == 'FullyShardedDataParallel')
            optim = OptimWrapper(torch.optim.AdamW(wrapped.parameters(), lr=1e-3, weight_decay=0.05))
            losses = torch.tensor(_train_fsdp(wrapped, optim, rank, 2))
            dist.all_reduce(losses)
            with root_unit_gathered(wrapped):  # as CollapseMonitorHook measures, outside the forward
                probe = wrapped.module.target_features(batches()[0][:2].float())
            results[algorithm] = dict(losses=(losses / 2).tolist(), state=_full_state_dict(wrapped), units=units,
                                      probe=probe)
        if rank == 0:
            torch.save(results, out_file)
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope='module')
def fsdp_results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('fsdp')
    mp.spawn(_rank_main, args=(str(tmp / 'init'), str(tmp / 'fsdp.pth')), nprocs=2, join=True)
    return torch.load(tmp / 'fsdp.pth', weights_only=True)


@pytest.mark.parametrize('algorithm', ALGORITHMS)
def test_fsdp_two_gloo_ranks_equal_one_process(algorithm, fsdp_results):
    from test_dist_equivalence import train
    dist = fsdp_results[algorithm]
    # units under the root: 2 context-encoder blocks + 2 target-encoder blocks (the predictor's one block is
    # its last, run from its weights, so it stays in the root unit, as do DMT-JEPA's head blocks)
    assert dist['units'] == 4
    model, optim = build(algorithm)
    single = train(model, optim)
    torch.testing.assert_close(torch.tensor(dist['losses']), torch.tensor(single), rtol=0, atol=1e-5)
    state = model.state_dict()
    assert dist['state'].keys() == state.keys()
    for key, value in state.items():
        torch.testing.assert_close(dist['state'][key], value, rtol=0, atol=1e-5, msg=key)
    assert not torch.equal(state['target_generator.encoder.ln1.weight'], state['backbone.ln1.weight'])
    with torch.no_grad():
        probe = model.target_features(batches()[0][:2].float())
    torch.testing.assert_close(dist['probe'], probe, rtol=0, atol=1e-4)
