# Copyright (c) mmjepa contributors. All rights reserved.
"""EC-IJEPA: position conditioning of the encoders, EMA of the conditioner, configs and the sweep."""
import copy
import glob

import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

from mmjepa.models.mask_samplers import Masks  # noqa: E402
import mmjepa  # noqa: F401
from mmjepa.models.target_generators import EMATargetGenerator
from mmjepa.models.utils import gather_tokens

SMALL = dict(embed_dims=64, num_layers=2, num_heads=4, feedforward_channels=128)



def draw(sampler, *args, **kwargs):
    """``(context, targets)`` of one draw of ``sampler``."""
    masks = sampler(*args, **kwargs)
    return masks.context, masks.targets

def tiny_ecijepa(mode='tokens', **kwargs):
    cfg = dict(type='ECIJEPA', backbone=dict(type='JEPAViT', arch=SMALL, img_size=32, patch_size=8),
               predictor=dict(type='JEPAPredictor', predictor_dims=48, depth=2),
               mask_sampler=dict(type='MultiBlockMaskSampler', target_scale=(0.15, 0.2), min_keep=1),
               conditioner=dict(type='PositionConditioner', mode=mode),
               target_generator=dict(type='EMATargetGenerator', total_steps=100))
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


@pytest.mark.parametrize('mode', ['tokens', 'add'])
def test_conditioning_changes_the_encoder_only_when_positions_are_given(mode):
    torch.manual_seed(0)
    model = tiny_ecijepa(mode)
    enc = model.backbone
    x = torch.randn(2, 3, 32, 32)
    masks = model.sample_masks(2, torch.device('cpu'))
    context_idx, target_idx = masks.context, masks.targets
    plain = enc.forward_tokens(x, keep=context_idx)
    assert torch.equal(enc.forward_tokens(x, context_idx, cond_tokens=None, cond_shift=None), plain)
    cond = model.conditioner(target_idx, role='target')
    assert set(cond) == {'cond_tokens' if mode == 'tokens' else 'cond_shift'}
    num_targets, batch, kt = target_idx.shape
    expect = (2, num_targets * kt, 64) if mode == 'tokens' else (2, 1, 64)
    assert next(iter(cond.values())).shape == expect
    conditioned = enc.forward_tokens(x, keep=context_idx, **cond)
    assert conditioned.shape == plain.shape and not torch.allclose(conditioned, plain)
    # Other target positions give another output; the two roles differ too.
    other = model.conditioner(target_idx.flip(-1) % 3, role='target')
    assert not torch.allclose(enc.forward_tokens(x, context_idx, **other), conditioned)
    as_context = model.conditioner(target_idx, role='context')
    assert not torch.allclose(enc.forward_tokens(x, context_idx, **as_context), conditioned)
    # Transfer (forward) and tensor mode run unconditioned.
    feat = enc(x)[-1]
    assert torch.allclose(feat, enc.forward_tokens(x).transpose(1, 2).reshape(feat.shape), atol=1e-6)
    assert torch.allclose(model(x, mode='tensor')[-1], model.target_generator.encoder(x)[-1])


def test_both_branches_are_conditioned():
    torch.manual_seed(0)
    model = tiny_ecijepa()
    x = torch.randn(2, 3, 32, 32)
    masks = model.sample_masks(2, torch.device('cpu'))
    context_idx, target_idx = masks.context, masks.targets
    targets = model.compute_targets(x, masks)
    unconditioned = gather_tokens(EMATargetGenerator.features(model.target_generator, x), target_idx)
    assert targets.shape == unconditioned.shape and not torch.allclose(targets, unconditioned)
    pred = model.predict_targets(x, masks)
    plain = model.predictor(model.backbone.forward_tokens(x, keep=context_idx), Masks(context_idx, target_idx))
    assert pred.shape == plain.shape and not torch.allclose(pred, plain)
    model.loss(x, None)['loss'].backward()
    assert all(p.grad is not None for p in model.conditioner.parameters())


def test_conditioner_is_an_ema_copy():
    torch.manual_seed(0)
    model = tiny_ecijepa()
    online, target = model.conditioner, model.target_generator.conditioner
    assert online is not target and not any(p.requires_grad for p in target.parameters())
    assert torch.equal(online.proj.weight, target.proj.weight)
    x = torch.randn(2, 3, 32, 32)
    model.loss(x, None)
    with torch.no_grad():
        online.type_embed.add_(1.0)
    before = target.type_embed.clone()
    assert model.update_target()  # the update after optimizer step 0
    m = 0.996
    assert torch.allclose(target.type_embed, m * before + (1 - m) * online.type_embed, atol=1e-6)


@pytest.mark.parametrize('mode', ['tokens', 'add'])
def test_state_dict_round_trip(mode):
    torch.manual_seed(0)
    a = tiny_ecijepa(mode)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        a.loss(x, None)
        a.conditioner.type_embed.add_(0.3)
        a.update_target()
        a.loss(x, None)
        a.update_target()
    sd = a.state_dict()
    assert 'conditioner.type_embed' in sd and 'target_generator.conditioner.proj.weight' in sd
    torch.manual_seed(1)
    b = tiny_ecijepa(mode)
    b.load_state_dict(sd)  # strict
    with torch.no_grad():
        assert torch.equal(a.loss(x, None)['loss'], b.loss(x, None)['loss'])


def test_recipe_and_sweep_configs():
    recipes = sorted(glob.glob('configs/ecijepa/ecijepa_*.py'))
    assert len(recipes) == len(glob.glob('configs/ijepa/ijepa_*.py'))
    for path in recipes:
        cfg = Config.fromfile(path)
        ref = Config.fromfile(path.replace('ecijepa', 'ijepa'))
        assert cfg.model.type == 'ECIJEPA' and cfg.model.conditioner.mode == 'tokens'
        assert cfg.model.backbone == ref.model.backbone and cfg.model.predictor == ref.model.predictor
        assert cfg.train_cfg == ref.train_cfg and cfg.train_dataloader.batch_size == ref.train_dataloader.batch_size
    for scale in (0.4, 0.6, 0.8, 1.0):
        pair = [Config.fromfile(f'configs/ecijepa/context_sweep/{m}_vit-base-p16_8xb256-amp-300e_in1k_ctx-{scale}.py')
                for m in ('ijepa', 'ecijepa')]
        assert [c.model.type for c in pair] == ['IJEPA', 'ECIJEPA']
        for cfg in pair:
            assert tuple(cfg.model.mask_sampler.context_scale) == (scale, scale)
            assert cfg.train_cfg.max_epochs == 300 and cfg.train_dataloader.batch_size == 256
        sampler = MODELS.build(dict(copy.deepcopy(pair[0].model.mask_sampler), input_size=(14, 14)))
        context_idx, target_idx = draw(sampler, 8, torch.Generator().manual_seed(0))
        assert context_idx.shape[1] > sampler.min_keep
