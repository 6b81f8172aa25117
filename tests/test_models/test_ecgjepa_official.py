# Copyright (c) mmjepa contributors. All rights reserved.
"""ECG-JEPA's default configuration pinned against numbers of the official code (kweimann/ECG-JEPA), stored in
tests/data/ecgjepa_official/ (provenance in its README.md): a tiny model with the default config's block,
position-table, EMA and schedule settings, the official weights loaded through the converter, the official inputs
and masks. Forward outputs and loss within 1e-5 relative, gradients within 1e-4, six training steps (schedules,
AdamW groups, the EMA at the start of each forward) within 1e-5, and the mask distribution within its noise."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS, PARAM_SCHEDULERS
from mmpretrain.structures import DataSample

from mmjepa.converters import convert_ecgjepa_checkpoint
from mmjepa.models.mask_samplers.contiguous import ContiguousRunMaskSampler
from mmjepa.models.mask_samplers.masks import Masks

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FIXTURES = osp.join(ROOT, 'tests', 'data', 'ecgjepa_official')
MODEL_CFG = osp.join(ROOT, 'configs', '_base_', 'models', 'ecgjepa_vit-s.py')
SCHEDULE_CFG = osp.join(ROOT, 'configs', '_base_', 'schedules', 'ecgjepa_adamw.py')
LEADS, LENGTH, PATCH, BATCH, STEPS, WARMUP = 4, 1000, 25, 4, 6, 2
OFFICIAL_CONFIG = dict(channel_size=LENGTH, patch_size=PATCH)


def load(name):
    return torch.load(osp.join(FIXTURES, name), weights_only=True)


def seeded_weights(keys, shapes, seed):
    """The harness's weights: in key order from one generator, norm weights 1 + 0.1 N, the rest 0.05 N."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for key, shape in zip(keys, shapes):
        r = torch.randn(tuple(shape), generator=g, dtype=torch.float64).float()
        out[key] = 1 + 0.1 * r if 'norm' in key.split('.')[-2] else 0.05 * r
    return out


def signals(seed, *shape):
    return torch.randn(*shape, LEADS, LENGTH, generator=torch.Generator().manual_seed(seed))


def probe_stats(tensor, index):
    """As the harness: [norm, 4 dots with seeded probes] of one tensor (probes seeded by 100 + its index in the
    official state dict)."""
    g = torch.Generator().manual_seed(100 + index)
    probes = torch.randn(4, tensor.numel(), generator=g, dtype=torch.float64)
    flat = tensor.detach().double().reshape(-1)
    return torch.cat([flat.norm().reshape(1), probes @ flat])


def tiny_model(momentum=(1.0, 1.0), total_steps=None):
    """The default ECG-JEPA model config at the harness's tiny size (4 leads, 1000 samples, width 16, 2 blocks,
    predictor 8 wide, 2 blocks)."""
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(MODEL_CFG).model
    cfg.backbone.arch = dict(embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=64)
    cfg.backbone.tokenizer.update(in_channels=LEADS, signal_length=LENGTH)
    cfg.predictor.update(predictor_dims=8, depth=2)
    cfg.predictor.init_scheme = dict(type='ecgjepa', depth=2)
    cfg.mask_sampler.min_run = 4
    cfg.target_generator.update(momentum=momentum, total_steps=total_steps)
    cfg.data_preprocessor = dict(type='SignalDataPreprocessor', num_leads=LEADS)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def load_official(model, official_state_dict):
    """Load official-layout weights through the converter; returns {our key: official key}."""
    converted = convert_ecgjepa_checkpoint(dict(model=official_state_dict, config=OFFICIAL_CONFIG))['state_dict']
    model.load_state_dict(converted, strict=True)
    by_id = {id(v): k for k, v in official_state_dict.items()}
    return {ours: by_id[id(v)] for ours, v in converted.items() if id(v) in by_id}


def relative(a, b):
    return float((a.double() - b.double()).norm() / b.double().norm())


@pytest.fixture(scope='module')
def forward_run():
    fx = load('forward.pt')
    model = tiny_model()
    official = seeded_weights(fx['keys'], fx['shapes'], fx['weight_seed'])
    names = load_official(model, official)
    x = signals(fx['input_seed'], BATCH)
    masks = Masks(context=fx['context'], targets=fx['target'][None])
    model.masks_for = lambda inputs: masks
    model.train()
    with torch.no_grad():
        target_tokens = model.target_generator.features(x)
        crop = model.target_generator.encoder.forward_tokens(x[..., :LENGTH // 4], with_registers=True)
    context_tokens = model.backbone.forward_tokens(x, keep=masks.context)
    predictions = model.predictor(context_tokens, masks)
    loss = model.loss(x, None)['loss']
    loss.backward()
    return fx, model, names, dict(target_tokens=target_tokens, crop=crop, context_tokens=context_tokens,
                                  predictions=predictions, loss=loss)


def test_forward_outputs_and_loss_match_the_official_code(forward_run):
    fx, _, _, out = forward_run
    assert relative(out['target_tokens'], fx['target_tokens']) < 1e-5
    assert relative(out['context_tokens'], fx['context_tokens']) < 1e-5
    assert relative(out['predictions'], fx['predictions']) < 1e-5
    assert abs(float(out['loss']) / float(fx['loss']) - 1) < 1e-5
    # the 2.5 s evaluation crop (register token first): the first rows of the interleaved table
    assert relative(out['crop'], fx['crop_tokens_with_register']) < 1e-5


def test_gradients_match_the_official_code(forward_run):
    fx, model, names, _ = forward_run
    index = {k: i for i, k in enumerate(fx['grad_stats'])}  # the harness's probe seeds
    grads = {names[k]: p.grad for k, p in model.named_parameters() if p.grad is not None}
    assert set(grads) == set(fx['grad_stats'])  # every official gradient, none more (no bias anywhere)
    for key, stats in fx['grad_stats'].items():
        ours = probe_stats(grads[key], index[key])
        scale = stats[0]
        assert float((ours - stats).abs().max() / scale) < 1e-4, key


def test_training_steps_match_the_official_loop():
    """Six steps under the recipe's AdamW groups and schedules (timing='ecgjepa') with the EMA at the start of
    each forward (update_at='next_forward'), in the Runner's order (train_step, then the schedulers)."""
    fx = load('train.pt')
    model = tiny_model(momentum=(0.9, 0.99), total_steps=STEPS)
    online = seeded_weights(fx['online_keys'], fx['online_shapes'], fx['weight_seed'])
    official = dict(online)
    official.update({'target_encoder.' + k[len('encoder.'):]: v.clone() for k, v in online.items()
                     if k.startswith('encoder.')})
    names = load_official(model, official)
    schedule = Config.fromfile(SCHEDULE_CFG)
    wrapper = build_optim_wrapper(model, schedule.optim_wrapper)
    schedulers = []
    for cfg in schedule.param_scheduler:
        cfg = dict(cfg, end=STEPS, **({'warmup': WARMUP} if 'warmup' in cfg else {}))
        schedulers.append(PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=wrapper)))
    contexts, targets = fx['contexts'], fx['targets']
    step_masks = iter([Masks(context=c, targets=t[None]) for c, t in zip(contexts, targets)])
    model.masks_for = lambda inputs: next(step_masks)
    x = signals(fx['input_seed'], STEPS, BATCH)
    losses, lrs, wds = [], [], []
    for step in range(STEPS):
        groups = wrapper.optimizer.param_groups
        lrs.append(groups[0]['lr'])
        wds.append(max(group['weight_decay'] for group in groups))
        out = model.train_step(dict(inputs=x[step], data_samples=[DataSample() for _ in range(BATCH)]), wrapper)
        losses.append(float(out['loss']))
        for s in schedulers:
            s.step()
    np.testing.assert_allclose(lrs, fx['lr'].numpy(), rtol=1e-9)
    np.testing.assert_allclose(wds, fx['wd'].numpy(), rtol=1e-9)
    np.testing.assert_allclose(losses, fx['losses'].numpy(), rtol=1e-5)
    index = {k: i for i, k in enumerate(fx['final_stats'])}
    state = model.state_dict()
    for ours, key in names.items():
        stats = fx['final_stats'][key]
        got = probe_stats(state[ours], index[key])
        assert float((got - stats).abs().max() / stats[0]) < 1e-5, key


def test_mask_distribution_matches_the_official_collator():
    """Summary statistics of 4000 masks of 200 tokens (keep 15-25 %, runs >= 10) against 20000 official ones;
    the official-vs-official noise floor of the harness is about a third of each tolerance."""
    fx = load('masks.pt')['seed0']
    sampler = ContiguousRunMaskSampler(input_size=(200, ), keep_ratio=(0.15, 0.25), min_run=10)
    g = torch.Generator().manual_seed(0)
    masked = np.zeros((4000, 200), dtype=bool)
    for i in range(0, 4000, 20):
        np.put_along_axis(masked[i:i + 20], sampler(20, g).targets[0].numpy(), True, axis=1)
    padded = np.diff(np.pad(masked.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    runs = (padded == 1).sum(1)
    lengths = np.flatnonzero(padded.reshape(-1) == -1) - np.flatnonzero(padded.reshape(-1) == 1)
    assert lengths.min() >= 10
    official_runs = fx['num_runs'].numpy()
    official_lengths = fx['run_length'].numpy()
    mean_runs = float((official_runs * np.arange(len(official_runs))).sum())
    mean_length = float((official_lengths * np.arange(len(official_lengths))).sum())
    assert abs(runs.mean() - mean_runs) < 4 * runs.std() / np.sqrt(len(runs))
    assert abs(lengths.mean() - mean_length) < 4 * lengths.std() / np.sqrt(len(lengths))
    ours_hist = np.bincount(runs, minlength=12)[:12] / len(runs)
    assert 0.5 * np.abs(ours_hist - official_runs).sum() < 0.03
    rate = masked.mean(0)
    se = np.sqrt(rate * (1 - rate) / 4000) + 1e-3
    assert (np.abs(rate - fx['position_rate'].numpy()) < 5 * se).all()


def test_position_tables_are_the_official_interleaved_ones(forward_run):
    fx, _, _, _ = forward_run
    model = tiny_model()  # initialised by the config, not loaded
    # the official tables are computed in float32 (positions x frequencies), ours in float64
    torch.testing.assert_close(model.backbone.pos_embed[0], fx['pos_table'], rtol=0, atol=1e-6)
    torch.testing.assert_close(model.predictor.pos_embed[0], fx['predictor_pos_table'], rtol=0, atol=1e-6)


def test_default_init_is_the_official_one():
    """Per tensor, the std of the default ViT-S at initialisation against the official constructors' (0.02, the
    residual projections 0.02 / sqrt(16), norms 1, no bias anywhere), within 1 % + their sampling noise."""
    fx = load('init.pt')
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(MODEL_CFG).model)
    model.init_weights()
    official = {k: torch.empty(s) for k, s in zip(fx['keys'], fx['shapes'])}
    converted = convert_ecgjepa_checkpoint(dict(model=official, config=dict(channel_size=5000, patch_size=25)))
    by_id = {id(v): k for k, v in official.items()}
    names = {ours: by_id[id(v)] for ours, v in converted['state_dict'].items()
             if id(v) in by_id and not ours.startswith('target_generator.')}  # the target: a copy
    trained = {k for k, p in model.named_parameters() if p.requires_grad}
    assert trained == set(names), 'the trained parameters are not those of the official model (biases?)'
    state = model.state_dict()
    for i, key in enumerate(fx['keys']):
        ours = next(o for o, k in names.items() if k == key)
        std, official_std = float(state[ours].std()), float(fx['std'][i])
        if official_std == 0:  # LayerNorm weights: ones
            assert torch.equal(state[ours], torch.ones_like(state[ours])), key
        else:
            noise = 4 / (2 * state[ours].numel())**0.5  # 4 standard errors of two sample stds
            assert abs(std / official_std - 1) < 0.01 + noise, (key, std, official_std)
