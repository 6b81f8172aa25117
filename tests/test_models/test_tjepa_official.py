# Copyright (c) mmjepa contributors. All rights reserved.
"""T-JEPA pinned against numbers of the official code (``jose-melo/t-jepa``; tests/data/tjepa_official/,
PROVENANCE.md there): the jannis configs, shrunk to the fixtures' tiny sizes (every convention kept: blocks,
heads, init scheme, position rows, loss, schedule, EMA), loaded with the fixtures' official-layout weights through
the T-JEPA converter, reproduce the official forward pass, loss, gradients and 6 training steps, and the mask
sampler the official mask distribution."""
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

import mmjepa  # noqa: F401
from mmjepa.converters import convert_tjepa_checkpoint
from mmjepa.engine.hooks.official_first_step import restore_values, set_first_step
from mmjepa.engine.schedulers import WarmupCosineLR
from mmjepa.models.mask_samplers import FeatureSubsetMaskSampler
from mmjepa.models.mask_samplers.masks import Masks

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from tjepa_official_setup import S, official_state, rows  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT = osp.join(ROOT, 'configs/tjepa/tjepa_ftt-d64-l16_1xb512-300e_jannis.py')
OFFICIAL = osp.join(ROOT, 'configs/tjepa/tjepa_ftt-d64-l16_1xb512-300e_jannis_official-index.py')
FIXTURE = osp.join(ROOT, 'tests/data/tjepa_official/tjepa_official.pt')


def tiny_cfg(path: str) -> Config:
    """The config at ``path`` with the fixtures' sizes and shares (no dropout: the official run had none)."""
    cfg = Config.fromfile(path)
    m = cfg.model
    m.backbone.arch = dict(embed_dims=S['dims'], num_layers=S['layers'], num_heads=S['heads'],
                           feedforward_channels=S['ff'])
    m.backbone.tokenizer.update(num_numeric=S['num_numeric'], cardinalities=S['cardinalities'])
    m.backbone.block_cfg.update(attn_drop=0., drop=0.)
    m.predictor.update(predictor_dims=S['pred_dims'], depth=S['pred_layers'], num_heads=S['pred_heads'],
                       mlp_ratio=S['pred_ff'] / S['pred_dims'])
    m.predictor.block_cfg.update(attn_drop=0., drop=0.)
    m.mask_sampler.update(context_share=S['ctx_share'], target_share=S['trgt_share'], num_targets=S['num_preds'])
    m.target_generator.update(momentum=S['ema'], total_steps=S['epochs'] * -(-S['n_rows'] // S['batch']))
    return cfg


def build(path: str, cls_token: str):
    """The tiny model of ``path`` with the fixtures' weights (official layout -> converter)."""
    init_default_scope('mmpretrain')
    cfg = tiny_cfg(path)
    model = MODELS.build(cfg.model)
    model.init_weights()
    ckpt = {part: official_state(part) for part in ('context_encoder', 'target_encoder', 'predictor')}
    converted = convert_tjepa_checkpoint(ckpt, cls_token=cls_token)['state_dict']
    own = model.state_dict()
    for key in [k for k in converted if k.endswith('pos_embed')]:
        # The fixed tables stay the config's (what is pinned); the converter writes the same ones
        assert torch.equal(converted[key], own[key]), key
        converted[key] = own[key]
    model.load_state_dict(converted, strict=True)
    return model, cfg


def given_masks(model, masks):
    """Feed ``model`` the fixture's masks, one :class:`Masks` per step."""
    queue = list(masks)
    model.masks_for = lambda inputs: queue.pop(0)


def unpack(packed: dict) -> dict:
    """A fixture's packed dict of tensors (keys, shapes, one flat tensor) as a dict."""
    out, start = {}, 0
    for key, shape in zip(packed['keys'], packed['shapes']):
        numel = int(torch.Size(shape).numel())
        out[key] = packed['flat'][start:start + numel].reshape(shape)
        start += numel
    assert start == packed['flat'].numel()
    return out


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.double() - b.double()).norm() / b.double().norm().clamp_min(1e-30))


@pytest.fixture(scope='module')
def fixture():
    return torch.load(FIXTURE, weights_only=True)


def test_forward_loss_and_gradients(fixture):
    f = fixture['forward']
    model, _ = build(OFFICIAL, 'sequence')
    masks = Masks(context=f['context'], targets=f['targets'])
    with torch.no_grad():
        full = model.target_generator.encoder.forward_tokens(f['x'])
        context = model.backbone.forward_tokens(f['x'], keep=masks.context)
        pred = model.predictor(context, masks)
    assert rel(full, f['target_full']) < 1e-5
    assert rel(context, f['context_out']) < 1e-5
    assert rel(pred, f['pred']) < 1e-5
    given_masks(model, [masks])
    loss = model.loss(f['x'], None)['loss']
    assert abs(float(loss.detach()) - float(f['loss'])) <= 1e-5 * float(f['loss'])
    loss.backward()
    params = dict(model.named_parameters())
    grads = unpack(f['grads'])
    assert set(grads) == {k for k, p in params.items() if p.grad is not None}
    for key, grad in grads.items():
        assert rel(params[key].grad, grad) < 1e-4, key


def train(model, cfg, fixture_steps, official_first_step: bool):
    """The fixture's steps: mmengine's optim wrapper and the config's lr schedule (epochs of the fixture's
    3 batches), the EMA update after each step; with ``official_first_step`` the OfficialFirstStepHook's step 0."""
    cfg.optim_wrapper.optimizer.lr = S['lr']
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    sched = dict(cfg.param_scheduler[0])
    assert sched.pop('type') == 'WarmupCosineLR' and sched.pop('convert_to_iter_based')
    sched.update(warmup=S['warmup_epochs'], begin=0, end=S['epochs'])
    batches = -(-S['n_rows'] // S['batch'])
    scheduler = WarmupCosineLR.build_iter_from_epoch(wrapper.optimizer, epoch_length=batches, **sched)
    x_all = rows(S['n_rows'])
    given_masks(model, [Masks(context=c, targets=t) for c, t in fixture_steps['masks']])
    losses = []
    for step in range(S['steps']):
        x = x_all[(step % batches) * S['batch']:][:S['batch']]
        saved = set_first_step(wrapper.optimizer, model.named_parameters()) if official_first_step and not step \
            else None
        loss = model.loss(x, None)['loss']
        wrapper.update_params(loss)
        model.update_target()
        if saved is not None:
            restore_values(wrapper.optimizer, saved)
        scheduler.step()
        losses.append(float(loss.detach()))
    return losses


@pytest.mark.parametrize('official_first_step', [True, False])
def test_training_steps(fixture, official_first_step):
    """Six steps (two epochs of 20 rows, batch 8, the last batch partial; 1 warm-up epoch): the official code
    as is (step 0 at AdamW's defaults: the OfficialFirstStepHook) and with its first step fixed (mmjepa's
    default: lr 0)."""
    ref = fixture['steps_official' if official_first_step else 'steps_fixed']
    model, cfg = build(OFFICIAL, 'sequence')
    losses = train(model, cfg, ref, official_first_step)
    assert torch.allclose(torch.tensor(losses, dtype=torch.float64), ref['losses'], rtol=1e-5, atol=0)
    if not official_first_step:
        return  # the fixed run's fixture: its losses
    state = model.state_dict()
    parts = {k: unpack(ref[k]) for k in ('context_encoder', 'target_encoder', 'predictor')}
    converted = convert_tjepa_checkpoint(parts, cls_token='sequence')['state_dict']
    for name, value in converted.items():
        if name.endswith('pos_embed') or name == 'step':
            continue
        ours = state[name]
        if name.endswith('attn.qkv.bias'):
            # The key bias has a zero gradient (the softmax ignores it): both codes see float noise there, which
            # AdamW turns into steps of about lr. Its values agree to that noise; q and v biases to 1e-5.
            (q, k, v), (q_ref, k_ref, v_ref) = ours.chunk(3), value.chunk(3)
            assert float((k - k_ref).abs().max()) < 1e-3, name
            ours, value = torch.cat([q, v]), torch.cat([q_ref, v_ref])
        assert rel(ours, value) < 1e-5, name


def test_default_config_encodes_rows_as_the_official_encoder(fixture):
    """The default config (the [CLS] token as a register token, the features on table rows 1..D), loaded through
    the converter: the official target encoder's feature outputs on the full rows, to 1e-5."""
    f = fixture['forward']
    model, _ = build(DEFAULT, 'register')
    with torch.no_grad():
        features = model.encoder_to_evaluate().forward_tokens(f['x'])
    assert features.shape[1] == S['D']
    assert rel(features, f['target_full'][:, S['n_cls']:]) < 1e-5


def mask_frequencies(sampler, batches: int, batch: int = 8):
    """Per (k_c, k_t) pair the share of batches, per index the share of rows with it in the context / in a
    target set, and the share of rows whose target sets are all equal."""
    sizes, ctx, tgt, same = {}, torch.zeros(sampler.num_tokens), torch.zeros(sampler.num_tokens), 0
    for step in range(batches):
        m = sampler(batch, torch.Generator().manual_seed(step))
        key = (m.context.shape[1], m.targets.shape[2])
        sizes[key] = sizes.get(key, 0) + 1
        ctx += torch.bincount(m.context.flatten(), minlength=sampler.num_tokens)
        tgt += torch.bincount(m.targets[0].flatten(), minlength=sampler.num_tokens)
        same += int((m.targets == m.targets[:1]).all(dim=(0, 2)).sum())
    rows_ = batches * batch
    return dict(sizes={k: v / batches for k, v in sizes.items()}, context=ctx / rows_, target=tgt / rows_,
                identical=same / rows_)


@pytest.mark.parametrize('identical', [True, False])
def test_mask_distribution(fixture, identical):
    """The sampler of the _official-index config against the official collator's frequencies (2000 batches of 8
    rows): size pairs, per-index context / target shares within 5 binomial standard errors, identical target
    sets in every row (the official bug, reproduced by the flag) and in almost none without it."""
    ref = fixture['masks']
    sampler = FeatureSubsetMaskSampler(input_size=(S['D'] + S['n_cls'], ), context_share=S['ctx_share'],
                                       target_share=S['trgt_share'], num_targets=S['num_preds'],
                                       official_indexing=True, num_cls_tokens=S['n_cls'],
                                       identical_targets=identical)
    ours = mask_frequencies(sampler, ref['batches'])
    n_batches, n_rows = ref['batches'], ref['batches'] * 8
    assert set(ours['sizes']) == set(ref['sizes'])
    for key, p in ref['sizes'].items():
        se = (p * (1 - p) * 2 / n_batches) ** .5
        assert abs(ours['sizes'][key] - p) < 5 * se + 1e-9, key
    for kind in ('context', 'target'):
        p = ref[kind].double()
        se = (p * (1 - p) * 2 / n_rows).sqrt()
        assert ((ours[kind].double() - p).abs() <= 5 * se + 1e-9).all(), (kind, ours[kind], p)
    assert ref['identical'] == 1.0
    if identical:
        assert ours['identical'] == 1.0
    else:
        assert ours['identical'] < 0.5  # small sets coincide by chance (0.19 here)


def test_tjepa_init_scheme():
    """The official init ('tjepa'): q/k/v xavier-uniform and the same in every block of a stack (the official
    blocks are clones of one layer), zero q/k/v bias; other Linear weights truncated normal 0.02 (per block);
    the register token starts as the official [CLS] token (a tokenizer weight row plus table row 0)."""
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(DEFAULT)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    for stack in (model.backbone.layers, model.predictor.layers):
        qkv = stack[0].attn.qkv.weight
        bound = (6 / (qkv.shape[0] + qkv.shape[1])) ** .5
        assert float(qkv.abs().max()) <= bound and float(qkv.abs().max()) > 0.9 * bound
        assert all(torch.equal(layer.attn.qkv.weight, qkv) for layer in stack)
        assert all(float(layer.attn.qkv.bias.abs().max()) == 0 for layer in stack)
        fc = [layer.ffn.layers[1].weight for layer in stack]
        assert not torch.equal(fc[0], fc[1]) and abs(float(torch.cat([w.flatten() for w in fc]).std()) - .02) < .002
    dims = model.backbone.embed_dims
    reg = model.backbone.register_tokens[0, 0] - torch.tensor([0., 1.] * (dims // 2))
    assert float(reg.abs().max()) <= dims ** -.5 and float(reg.std()) > .3 * dims ** -.5
    assert torch.equal(model.target_generator.encoder.register_tokens, model.backbone.register_tokens)


def test_official_first_step_hook():
    """OfficialFirstStepHook: iteration 0 at lr 1e-3 on every group, weight decay 1e-2 on the groups the official
    code decays (not 1-D, no 'bias' in the name), the schedule's values back after it; groups that mix both kinds
    are an error naming paramwise_cfg."""
    from types import SimpleNamespace

    from mmjepa.engine.hooks import OfficialFirstStepHook
    init_default_scope('mmpretrain')
    model, cfg = build(OFFICIAL, 'sequence')
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    names = {id(p): n for n, p in model.named_parameters()}
    runner = SimpleNamespace(iter=0, model=model, optim_wrapper=wrapper)
    hook = OfficialFirstStepHook()
    before = [(g['lr'], g['weight_decay']) for g in wrapper.optimizer.param_groups]
    hook.before_train_iter(runner, 0)
    for group in wrapper.optimizer.param_groups:
        name, p = names[id(group['params'][0])], group['params'][0]
        assert group['lr'] == 1e-3
        assert group['weight_decay'] == (0. if 'bias' in name or p.ndim == 1 else 1e-2), name
    assert any(g['weight_decay'] == 1e-2 for g in wrapper.optimizer.param_groups)
    hook.after_train_iter(runner, 0)
    assert [(g['lr'], g['weight_decay']) for g in wrapper.optimizer.param_groups] == before
    runner.iter = 1
    hook.before_train_iter(runner, 1)
    assert [(g['lr'], g['weight_decay']) for g in wrapper.optimizer.param_groups] == before
    single = SimpleNamespace(iter=0, model=model, optim_wrapper=SimpleNamespace(
        optimizer=torch.optim.AdamW(model.parameters())))
    with pytest.raises(ValueError, match='paramwise_cfg'):
        hook.before_train_iter(single, 0)


def test_encoder_gradients_are_clamped_and_the_predictors_are_not():
    """``grad_clamp=1.0`` (the official ``exp_gradient_clipping=1`` hooks on the encoder's parameters): every
    gradient element of the online encoder within +-1, the predictor's unclamped, the EMA target untouched."""
    f = torch.load(FIXTURE, weights_only=True)['forward']
    model, _ = build(DEFAULT, 'register')
    (1e4 * model.loss(f['x'], None)['loss']).backward()
    encoder = torch.cat([p.grad.flatten() for p in model.backbone.parameters() if p.grad is not None])
    predictor = torch.cat([p.grad.flatten() for p in model.predictor.parameters() if p.grad is not None])
    assert float(encoder.abs().max()) == 1.0 and float(predictor.abs().max()) > 1.0
    assert all(p.grad is None for p in model.target_generator.encoder.parameters())
