# Copyright (c) mmjepa contributors. All rights reserved.
import pytest
import torch
from mmengine.optim import OptimWrapper

import mmjepa.models  # noqa: F401
from mmjepa.models.algorithms.actjepa import temporal_ensemble
from mmpretrain.registry import MODELS


def build(jepa_weight=1.0, chunk=5, history=2, tasks=None):
    torch.manual_seed(0)
    model = MODELS.build(dict(type='ACTJEPA', jepa_weight=jepa_weight, chunk_size=chunk, history=history,
                              action_dims=4, tasks=tasks,
                              backbone=dict(type='StateMLPEncoder', obs_dims=39, embed_dims=32, hidden_dims=64,
                                            num_heads=2),
                              target_generator=dict(type='EMATargetGenerator', momentum=(0.9, 1.0),
                                                    total_steps=10)))
    model.target_generator.sync(model.online_modules())
    return model


def batch(b=3, chunk=5, history=2, seed=1):
    g = torch.Generator().manual_seed(seed)
    pad = torch.zeros(b, chunk, dtype=torch.bool)
    pad[0, 3:] = True
    return dict(obs=torch.randn(b, history, 39, generator=g), actions=torch.rand(b, chunk, 4, generator=g) * 2 - 1,
                future_obs=torch.randn(b, chunk, 39, generator=g), action_pad=pad)


def test_shapes_losses_and_padding():
    model = build()
    inputs = batch()
    losses = model.loss(inputs)
    assert set(losses) == {'loss_action', 'loss_jepa', 'ema_momentum'}
    assert model.predict_actions(inputs['obs']).shape == (3, 5, 4)
    # a padded step does not enter the action loss
    changed = {k: v.clone() for k, v in inputs.items()}
    changed['actions'][0, 4] += 100
    assert torch.allclose(model.loss(changed)['loss_action'], losses['loss_action'])
    changed['actions'][0, 2] += 1
    assert not torch.allclose(model.loss(changed)['loss_action'], losses['loss_action'])
    with pytest.raises(ValueError, match='chunk_size=5'):
        model.loss(batch(chunk=4))
    with pytest.raises(ValueError, match='history=2'):
        model.loss(batch(history=1))


def test_act_baseline_has_no_jepa_branch_and_same_action_path():
    act = build(jepa_weight=0.0)
    assert act.predictor is None
    assert set(act.loss(batch())) == {'loss_action', 'ema_momentum'}
    jepa = build(jepa_weight=1.0)
    # same seed -> same action path weights before the predictor is built
    assert torch.equal(act.action_decoder.head.weight, jepa.action_decoder.head.weight)
    with pytest.raises(ValueError, match='jepa_weight'):
        build(jepa_weight=-1)


def test_jepa_target_is_ema_and_gets_no_gradient():
    model = build()
    opt = OptimWrapper(torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1))
    target0 = model.target_generator.encoder.mlp[0].weight.clone()
    online0 = model.backbone.mlp[0].weight.clone()
    model.train_step(dict(inputs=batch()), opt)
    online1 = model.backbone.mlp[0].weight
    assert not torch.equal(online0, online1)
    expected = 0.9 * target0 + 0.1 * online1  # momentum 0.9 after step 0
    assert torch.allclose(model.target_generator.encoder.mlp[0].weight, expected, atol=1e-6)
    assert all(not p.requires_grad for p in model.target_generator.parameters())
    # the JEPA term moves the encoder: its gradient reaches the online backbone
    model.zero_grad()
    model.loss(batch())['loss_jepa'].backward()
    assert model.backbone.mlp[0].weight.grad.abs().sum() > 0


def test_task_conditioning_changes_the_chunk_and_checks_the_task():
    tasks = ['reach-v3', 'push-v3']
    model = build(tasks=tasks)
    torch.nn.init.normal_(model.task_embed.weight)  # tasks far apart, so the check does not hang on the init
    obs = batch()['obs']
    reach, push = model.predict_actions(obs, task='reach-v3'), model.predict_actions(obs, task='push-v3')
    assert not torch.allclose(reach, push, atol=1e-4)
    assert torch.equal(model.predict_actions(obs, task=0), reach)
    assert torch.equal(model.predict_actions(obs, task=torch.tensor([0, 1, 0]))[1], push[1])
    # training batches carry the dataset's task index; it reaches the loss
    inputs = dict(batch(), task=torch.tensor([0, 0, 1]))
    losses = model.loss(inputs)
    assert not torch.allclose(model.loss(dict(inputs, task=torch.tensor([1, 1, 0])))['loss_action'],
                              losses['loss_action'])
    with pytest.raises(ValueError, match='no task index'):
        model.loss(batch())
    with pytest.raises(ValueError, match=r'in \[0, 2\)'):
        model.loss(dict(batch(), task=torch.tensor([0, 2, 1])))
    with pytest.raises(KeyError, match="'pick-place-v3' is not in model.tasks"):
        model.predict_actions(obs, task='pick-place-v3')
    with pytest.raises(ValueError, match='pass the task'):
        model.predict_actions(obs)
    with pytest.raises(ValueError, match='single-task policy'):
        build().predict_actions(obs, task='reach-v3')
    with pytest.raises(ValueError, match='distinct task names'):
        build(tasks=['reach-v3', 'reach-v3'])
    # the ACT baseline starts from the same task embedding and action path
    act = build(jepa_weight=0.0, tasks=tasks)
    assert torch.equal(act.task_embed.weight, build(tasks=tasks).task_embed.weight)
    assert torch.equal(act.action_decoder.head.weight, model.action_decoder.head.weight)


def test_temporal_ensemble_weights_oldest_most():
    chunks = [torch.full((3, 1), 1.0), torch.full((3, 1), 2.0), torch.full((3, 1), 3.0)]
    assert temporal_ensemble(chunks, 0).item() == 1.0
    w = torch.tensor([1.0, torch.exp(torch.tensor(-0.5)).item()])
    assert torch.allclose(temporal_ensemble(chunks[:2], 1, m=0.5), (w * torch.tensor([1.0, 2.0])).sum() / w.sum())
    with pytest.raises(ValueError, match='no chunk covers step 5'):
        temporal_ensemble(chunks, 5)


def test_benchmark_makes_act_batches():
    import importlib.util
    import os.path as osp
    path = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools/analysis_tools/benchmark.py')
    spec = importlib.util.spec_from_file_location('mmjepa_benchmark', path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    model = build()
    batch_, kind = bench.make_batch(model, 4, torch.device('cpu'), seed=0)
    assert kind == 'action chunks' and batch_['inputs']['obs'].shape == (4, 2, 39)
    assert torch.isfinite(model.loss(batch_['inputs'])['loss_jepa'])
    multi = build(tasks=['reach-v3', 'push-v3'])
    batch_, _ = bench.make_batch(multi, 4, torch.device('cpu'), seed=0)
    assert batch_['inputs']['task'].shape == (4,) and torch.isfinite(multi.loss(batch_['inputs'])['loss_jepa'])
