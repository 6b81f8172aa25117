# Copyright (c) mmjepa contributors. All rights reserved.
"""FSDP (mmengine's MMFullyShardedDataParallel, FULL_SHARD, ``use_orig_params=True``, mmjepa's
``jepa_fsdp_wrap_policy``, 2 gloo processes on the CPU) with the EMA update made after each optimizer step on
the sharded parameters (``fsdp_update_target``, as ``TargetEMAHook`` does) trains exactly like one process with the
same global batch: losses and the gathered full state dict (encoders, EMA target, predictor, heads, step)
within 1e-5."""
import pytest
import torch

from test_dist_equivalence import (ALGORITHMS, assert_equals_one_process, batches, build,  # noqa: E402
                                   mean_over_ranks, run_on_two_ranks, train)

from mmjepa.engine.hooks import jepa_fsdp_wrap_policy
from mmjepa.engine.hooks.fsdp_ema import root_unit_gathered


def _full_state_dict(wrapped):
    """Every tensor gathered. (FSDP's FULL_STATE_DICT hooks with offload_to_cpu crash on CPU tensors with
    torch 2.13: segmentation fault in param_hook.)"""
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
    with FSDP.summon_full_params(wrapped, writeback=False):
        return {k.replace('_fsdp_wrapped_module.', ''): v.detach().clone()
                for k, v in wrapped.module.state_dict().items()}


def _fsdp_run(algorithm: str, rank: int) -> dict:
    from mmengine.model.wrappers import MMFullyShardedDataParallel
    from mmengine.optim import OptimWrapper
    model, _ = build(algorithm)
    wrapped = MMFullyShardedDataParallel(module=model, use_orig_params=True, device_id=torch.device('cpu'),
                                         auto_wrap_policy=jepa_fsdp_wrap_policy)
    units = sum(1 for m in wrapped.modules() if type(m).__name__ == 'FullyShardedDataParallel')
    optim = OptimWrapper(torch.optim.AdamW(wrapped.parameters(), lr=1e-3, weight_decay=0.05))
    wrapped.module.ema_in_forward = False  # as TargetEMAHook.before_train: `loss` must never make the update
    losses = mean_over_ranks(train(wrapped, optim, rank, 2))
    with root_unit_gathered(wrapped):  # as CollapseMonitorHook measures, outside the forward
        probe = wrapped.module.target_features(batches()[0][:2].float())
    return dict(losses=losses, state=_full_state_dict(wrapped), units=units, probe=probe,
                due=wrapped.module.target_update_due)


@pytest.fixture(scope='module')
def fsdp_results(tmp_path_factory):
    return run_on_two_ranks(tmp_path_factory, _fsdp_run)


@pytest.mark.parametrize('algorithm', ALGORITHMS)
def test_fsdp_two_gloo_ranks_equal_one_process(algorithm, fsdp_results):
    dist = fsdp_results[algorithm]
    # units under the root: 2 context-encoder blocks + 2 target-encoder blocks (the predictor's one block is
    # its last, run from its weights, so it stays in the root unit, as do DMT-JEPA's head blocks)
    assert dist['units'] == 4
    model = assert_equals_one_process(algorithm, dist)
    with torch.no_grad():
        probe = model.target_features(batches()[0][:2].float())
    torch.testing.assert_close(dist['probe'], probe, rtol=0, atol=1e-4)
