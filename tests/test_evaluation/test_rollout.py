# Copyright (c) mmjepa contributors. All rights reserved.
import logging
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator

import mmjepa  # noqa: F401
from mmjepa.evaluation.rollout import RolloutSuccessRate, RolloutTestLoop, rollout
from mmpretrain.registry import MODELS

pytest.importorskip('metaworld')


def policy(chunk=4, history=2, seed=0, tasks=None):
    torch.manual_seed(seed)
    return MODELS.build(dict(type='ACTJEPA', chunk_size=chunk, history=history, action_dims=4, tasks=tasks,
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


def test_test_loop_passes_each_task_to_a_multi_task_policy():
    model = policy(tasks=['reach-v3', 'push-v3'])
    calls = []
    original = model.predict_actions
    model.predict_actions = lambda obs, task=None: calls.append(task) or original(obs, task)
    runner = SimpleNamespace(model=model, logger=logging.getLogger('test_rollout'), call_hook=lambda *a, **k: None)
    loop = RolloutTestLoop(runner, None, Evaluator([RolloutSuccessRate()]), tasks=['push-v3', 'reach-v3'],
                           num_rollouts=1, max_steps=8)
    metrics = loop.run()
    assert calls == ['push-v3'] * 2 + ['reach-v3'] * 2  # 8 steps, a query every 4
    assert metrics['rollout/num_rollouts'] == 2 and 'rollout/push-v3/success_rate' in metrics
    loop = RolloutTestLoop(runner, None, Evaluator([RolloutSuccessRate()]), tasks=['reach-v3', 'window-open-v3'],
                           num_rollouts=1, max_steps=8)
    calls.clear()
    with pytest.raises(ValueError, match=r"\['window-open-v3'\] are not in the policy's model.tasks"):
        loop.run()
    assert not calls  # checked before any rollout
