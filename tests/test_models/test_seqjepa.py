# Copyright (c) mmjepa contributors. All rights reserved.
"""seq-JEPA on the family core: shapes, the action slots, the EMA target, resume, transfer keys, errors."""
import copy

import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmjepa  # noqa: F401

B, M, A = 4, 3, 4


def build(**overrides):
    cfg = dict(type='SeqJEPA',
               backbone=dict(type='JEPAResNetCIFAR', depth=18, stem_channels=8, base_channels=8),
               aggregator=dict(type='ActionSequenceAggregator', action_dims=A, action_embed_dims=16),
               predictor=dict(type='MLPPredictor', hidden_dims=32),
               target_generator=dict(type='EMATargetGenerator', momentum=(0.996, 1.0), total_steps=100,
                                     normalize=False, batch_stats=True))
    cfg.update(overrides)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model.train()


def batch(seed=0, views=M + 1):
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randn(B, 3, 16, 16, generator=g) for _ in range(views)]
    samples = [DataSample(actions=torch.randn(views - 1, A, generator=g)) for _ in range(B)]
    return inputs, samples


def test_shapes_and_loss():
    model = build()
    inputs, samples = batch()
    prepared = model.prepare_inputs(inputs, samples)
    assert prepared['views'].shape == (B, M + 1, 3, 16, 16) and prepared['actions'].shape == (B, M, A)
    assert model.sample_masks(B, torch.device('cpu')) is None
    z, agg = model.encode_sequence(prepared['views'][:, :-1], prepared['actions'])
    assert z.shape == (B, M, 64) and agg.shape == (B, 64 + 16)
    assert model.predict_targets(prepared).shape == model.compute_targets(prepared).shape == (B, 64)
    assert model.predictor.in_dims == 64 + 16 + 16
    loss = model.loss(inputs, samples)['loss']
    assert torch.isfinite(loss) and 0 < loss < 2
    assert model.encoder_to_evaluate() is model.backbone
    assert model.algorithm_name == 'seq-JEPA'


def test_last_observed_action_slot_is_zeroed_and_the_predictor_gets_it():
    model = build().eval()
    inputs, samples = batch()
    prepared = model.prepare_inputs(inputs, samples)
    z = torch.randn(B, M, 64)
    actions = prepared['actions']
    changed_last, changed_first = actions.clone(), actions.clone()
    changed_last[:, -1] += 5
    changed_first[:, 0] += 5
    agg = model.aggregator(z, actions)
    torch.testing.assert_close(model.aggregator(z, changed_last), agg)  # a_M's slot is zero
    assert not torch.allclose(model.aggregator(z, changed_first), agg)
    pred = model.predict_targets(prepared)
    assert not torch.allclose(model.predict_targets(dict(prepared, actions=changed_last)), pred)


def test_action_embedding_is_batchnorm_without_affine_of_linear_without_bias():
    agg = build().aggregator
    linear, norm = agg.action_embed
    assert linear.bias is None and not norm.affine
    emb = agg.embed_actions(torch.randn(8, 3, A) * 10 + 3)  # train mode: normalised over all 24 actions
    torch.testing.assert_close(emb.reshape(-1, 16).mean(0), torch.zeros(16), atol=1e-5, rtol=0)


def test_ema_target_update_and_batch_stats():
    model = build()
    target = model.target_generator.encoder
    assert all(not p.requires_grad for p in target.parameters())
    bns = [m for m in target.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and all(m.training for m in bns)  # the official target normalises by the batch
    assert not model.target_generator.training
    before = [p.clone() for p in target.parameters()]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    inputs, samples = batch()
    model.loss(inputs, samples)['loss'].backward()
    optimizer.step()
    assert model.target_update_due and model.update_target()
    for old, new, online in zip(before, target.parameters(), model.backbone.parameters()):
        torch.testing.assert_close(new, 0.996 * old + 0.004 * online)
    model.eval()
    assert not any(m.training for m in bns)


def test_resume_gives_the_same_next_step():
    model = build()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(2):
        inputs, samples = batch(step)
        model.loss(inputs, samples)['loss'].backward()
        optimizer.step()
        optimizer.zero_grad()
        model.update_target()
    state = copy.deepcopy(model.state_dict())
    resumed = build()
    resumed.load_state_dict(state)
    assert resumed._step == 2
    inputs, samples = batch(5)
    losses = []
    for m in (resumed, model):
        torch.manual_seed(1)  # the aggregator's dropout
        losses.append(m.loss(inputs, samples)['loss'])
    torch.testing.assert_close(*losses, rtol=0, atol=0)


def test_target_features_leave_the_batch_norm_statistics():
    model = build()
    bn = model.backbone.bn1
    stats = bn.running_mean.clone()
    feats = model.target_features(torch.randn(B, 3, 16, 16))
    assert feats.shape == (B, 1, 64)
    torch.testing.assert_close(bn.running_mean, stats)
    assert model.backbone.training


def test_backbone_keys_transfer_into_mmpretrain_resnet():
    model = build()
    resnet = MODELS.build(dict(type='ResNet_CIFAR', depth=18, stem_channels=8, base_channels=8))
    resnet.load_state_dict(model.backbone.state_dict(), strict=True)
    x = torch.randn(2, 3, 16, 16)
    model.backbone.eval(), resnet.eval()
    torch.testing.assert_close(resnet(x)[-1].mean((2, 3)), model.backbone.forward_tokens(x)[:, 0])


def test_errors_name_the_fix():
    model = build()
    inputs, samples = batch()
    with pytest.raises(ValueError, match="algorithm_keys=\\['actions'\\]"):
        model.loss(inputs, [DataSample() for _ in range(B)])
    with pytest.raises(ValueError, match='need 3 actions'):
        model.loss(inputs, [DataSample(actions=torch.zeros(2, A)) for _ in range(B)])
    with pytest.raises(ValueError, match='action_dims'):
        model.loss(inputs, [DataSample(actions=torch.zeros(M, A + 1)) for _ in range(B)])
    with pytest.raises(ValueError, match='at least 2 views'):
        model.loss(inputs[:1], samples)
    with pytest.raises(ValueError, match='out_dims'):
        build(predictor=dict(type='MLPPredictor', hidden_dims=32, out_dims=10))


def test_pretrained_init_cfg_loads_the_online_encoder_strictly(tmp_path):
    from mmjepa.utils.transfer import TransferError
    model = build()
    path = str(tmp_path / 'seqjepa.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    cfg = dict(type='JEPAResNetCIFAR', depth=18, stem_channels=8, base_channels=8)
    resnet = MODELS.build(dict(cfg, init_cfg=dict(type='Pretrained', checkpoint=path, prefix='backbone.')))
    resnet.init_weights()
    for (key, value), expected in zip(resnet.state_dict().items(), model.backbone.state_dict().values()):
        torch.testing.assert_close(value, expected, msg=key)
    wrong = MODELS.build(dict(cfg, base_channels=16, init_cfg=dict(type='Pretrained', checkpoint=path,
                                                                   prefix='backbone.')))
    with pytest.raises((TransferError, RuntimeError)):
        wrong.init_weights()
