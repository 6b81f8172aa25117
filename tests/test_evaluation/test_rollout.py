# Copyright (c) mmjepa contributors. All rights reserved.
import math

import numpy as np
import pytest
import torch

import mmjepa  # noqa: F401
from mmjepa.evaluation.rollout import RolloutSuccessRate, rollout
from mmpretrain.registry import MODELS

pytest.importorskip('metaworld')


def policy(chunk=4, history=2, seed=0):
    torch.manual_seed(seed)
    return MODELS.build(dict(type='ACTJEPA', chunk_size=chunk, history=history, action_dims=4,
                             backbone=dict(type='StateMLPEncoder', obs_dims=39, embed_dims=32, hidden_dims=64,
                                           num_heads=2),
                             target_generator=dict(type='EMATargetGenerator', total_steps=10)))


@pytest.mark.parametrize('execution', ['chunk', 'ensemble'])
def test_rollouts_are_deterministic_under_a_seed(execution):
    model = policy()
    a = rollout(model, 'reach-v3', seed=5, max_steps=12, execution=execution)
    b = rollout(model, 'reach-v3', seed=5, max_steps=12, execution=execution)
    c = rollout(model, 'reach-v3', seed=6, max_steps=12, execution=execution)
    assert a['steps'] == 12 and a['actions'].shape == (12, 4)
    np.testing.assert_array_equal(a['actions'], b['actions'])
    assert not np.array_equal(a['actions'], c['actions'])  # another seed, another goal, other actions
    assert model.training  # the mode is restored


def test_chunk_execution_replans_every_execute_steps():
    model = policy(chunk=4)
    calls = []
    original = model.predict_actions
    model.predict_actions = lambda obs: calls.append(1) or original(obs)
    rollout(model, 'reach-v3', seed=0, max_steps=10, execution='chunk', execute_steps=2)
    assert len(calls) == 5
    with pytest.raises(ValueError, match='execute_steps=5'):
        rollout(model, 'reach-v3', seed=0, max_steps=2, execute_steps=5)


def test_success_rate_and_stderr():
    metric = RolloutSuccessRate()
    metric.process(None, [dict(task='a', success=s, steps=10) for s in (1, 0, 1, 1)]
                   + [dict(task='b', success=0, steps=20)] * 2)
    m = metric.compute_metrics(metric.results)
    s = np.array([1, 0, 1, 1, 0, 0.])
    assert m['success_rate'] == pytest.approx(50.0)
    assert m['success_stderr'] == pytest.approx(100 * s.std(ddof=1) / math.sqrt(6))
    assert m['a/success_rate'] == pytest.approx(75.0) and m['b/success_rate'] == 0.0
    assert m['num_rollouts'] == 6 and m['mean_steps'] == pytest.approx(80 / 6)
