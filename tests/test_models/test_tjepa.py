# Copyright (c) mmjepa contributors. All rights reserved.
"""T-JEPA (arXiv 2410.05016): feature-subset masks (and the official index range), the tabular tokenizer on
mixed numeric / categorical rows, the LN-Linear-LN encoder head, the EMA target and an exact resume."""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

import mmjepa  # noqa: F401
from mmjepa.models.mask_samplers import FeatureSubsetMaskSampler
from mmjepa.models.tokenizers import TabularTokenizer
from mmjepa.models.tokenizers.tabular import official_sincos

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'configs/demo/tjepa_ftt-d64-l4_1xb64-50e_demo-breast-cancer.py')
OFFICIAL = osp.join(ROOT, 'configs/tjepa/tjepa_ftt-d64-l16_1xb512-300e_jannis_official-index.py')


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


# ------------------------------------------------------------------------------------------- masks
def test_mask_sizes_and_disjointness():
    sampler = FeatureSubsetMaskSampler(input_size=(54, ))  # jannis: 54 features, shares 0.14-0.37 / 0.16-0.62
    assert sampler.context_range == (8, 20) and sampler.target_range == (9, 33)
    seen_sizes = set()
    for step in range(50):
        m = sampler(16, gen(step))
        kc, kt = m.context.shape[1], m.targets.shape[2]
        seen_sizes.add((kc, kt))
        assert m.targets.shape[:2] == (4, 16)
        assert 8 <= kc <= 20 and 9 <= kt <= 33 and kc + kt <= 54
        for row in range(16):
            ctx = set(m.context[row].tolist())
            assert len(ctx) == kc  # no repeats
            for t in range(4):
                tgt = m.targets[t, row].tolist()
                assert len(set(tgt)) == kt and not ctx & set(tgt)  # disjoint from the context
        assert bool((m.context.diff(dim=1) > 0).all()) and bool((m.targets.diff(dim=2) > 0).all())  # sorted
    assert len(seen_sizes) > 10  # sizes vary per batch
    # target sets of one row may overlap each other (they are drawn independently from the rest)
    m = sampler(64, gen(1))
    overlaps = [len(set(m.targets[0, r].tolist()) & set(m.targets[1, r].tolist())) for r in range(64)]
    assert max(overlaps) > 0


def test_mask_rows_differ_and_are_uniform():
    sampler = FeatureSubsetMaskSampler(input_size=(20, ), context_share=(0.4, 0.5), target_share=(0.2, 0.3))
    m = sampler(4000, gen(3))
    assert len({tuple(r) for r in m.context.tolist()}) > 3900  # per-row draws
    counts = torch.bincount(m.context.flatten(), minlength=20).float()
    expected = m.context.numel() / 20
    assert float((counts - expected).abs().max()) < 0.06 * expected  # every feature equally likely
    again = sampler(4000, gen(3))
    assert torch.equal(again.context, m.context) and torch.equal(again.targets, m.targets)  # seeded


def test_mask_size_distribution_matches_the_official_formula():
    """k = lo + round((hi - lo) u), both redrawn until k_c + k_t <= D."""
    sampler = FeatureSubsetMaskSampler(input_size=(10, ), context_share=(0.3, 0.6), target_share=(0.3, 0.7))
    assert sampler.context_range == (3, 6) and sampler.target_range == (3, 7)
    g = gen(0)
    sizes = [sampler.draw_sizes(g) for _ in range(4000)]
    assert all(kc + kt <= 10 for kc, kt in sizes)
    # unconditioned, P(k_c = 3) = P(u < 1/6) = 1/6; after rejecting k_c + k_t > 10 (only k_c = 4..6 with large
    # k_t) the share of k_c = 3 rises; enumerate the official distribution exactly
    def pmf(lo, hi):
        p = {}
        for k in range(lo, hi + 1):
            a, b = max((k - lo - 0.5) / (hi - lo), 0.), min((k - lo + 0.5) / (hi - lo), 1.)
            p[k] = b - a
        return p
    pc, pt = pmf(3, 6), pmf(3, 7)
    joint = {(c, t): pc[c] * pt[t] for c in pc for t in pt if c + t <= 10}
    total = sum(joint.values())
    p3 = sum(v for (c, _), v in joint.items() if c == 3) / total
    measured = sum(1 for kc, _ in sizes if kc == 3) / len(sizes)
    assert abs(measured - p3) < 3 * math.sqrt(p3 * (1 - p3) / len(sizes)) + 1e-3


def test_per_rank_draws_share_the_sizes():
    sampler = FeatureSubsetMaskSampler(input_size=(30, ))
    a = sampler(8, gen(5), position_generator=gen(100))
    b = sampler(8, gen(5), position_generator=gen(101))
    assert a.context.shape == b.context.shape and a.targets.shape == b.targets.shape
    assert not torch.equal(a.context, b.context)


def test_official_index_range_draws_the_cls_token_and_never_the_last_feature():
    n_features = 6
    official = FeatureSubsetMaskSampler(input_size=(1 + n_features, ), context_share=(0.3, 0.5),
                                        target_share=(0.3, 0.5), official_indexing=True, num_cls_tokens=1)
    fixed = FeatureSubsetMaskSampler(input_size=(1 + n_features, ), context_share=(0.3, 0.5),
                                     target_share=(0.3, 0.5), num_cls_tokens=1)
    for sampler, first, last in ((official, 0, n_features - 1), (fixed, 1, n_features)):
        m = sampler(2000, gen(0))
        every = torch.cat([m.context.flatten(), m.targets.flatten()])
        assert int(every.min()) == first and int(every.max()) == last
        assert sampler.num_features == n_features  # the shares are of D, not D + 1
    # official: index 0 (the cls token) is context or target as often as a feature
    m = official(2000, gen(1))
    counts = torch.bincount(m.context.flatten(), minlength=7)
    assert counts[0] > 0.8 * counts[1:6].float().mean() and counts[6] == 0


@pytest.mark.parametrize('kwargs, match', [
    (dict(context_share=(0.5, 0.2)), 'context_share'),
    (dict(target_share=(0., 0.5)), 'target_share'),
    (dict(context_share=(0.01, 0.2)), 'raise the minimum'),
    (dict(num_targets=0), 'num_targets'),
    (dict(input_size=(4, 4)), '1-D'),
    (dict(context_share=(0.6, 0.7), target_share=(0.5, 0.6)), 'exceed'),
])
def test_mask_sampler_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FeatureSubsetMaskSampler(**dict(dict(input_size=(20, )), **kwargs))


# --------------------------------------------------------------------------------------- tokenizer
def test_tokenizer_mixed_numeric_and_categorical_rows():
    torch.manual_seed(0)
    tok = TabularTokenizer(num_numeric=2, cardinalities=[3, 5], embed_dims=8)
    x = torch.tensor([[0.5, -1.0, 2., 4.], [1.5, 0.0, 0., 1.]])
    tokens, layout = tok(x)
    assert tokens.shape == (2, 4, 8) and layout.grid == (4, )
    pos = official_sincos(4, 8)[0]
    assert torch.allclose(tokens[0, 1], -1.0 * tok.weight[1] + tok.bias[1] + pos[1])
    assert torch.allclose(tokens[1, 0], 1.5 * tok.weight[0] + tok.bias[0] + pos[0])
    assert torch.allclose(tokens[0, 2], tok.category_embeddings[0].weight[2] + tok.bias[2] + pos[2])
    assert torch.allclose(tokens[1, 3], tok.category_embeddings[1].weight[1] + tok.bias[3] + pos[3])
    # the official table: sin on even channels, cos on odd ones, base 100
    assert torch.allclose(pos[3, 0], torch.tensor(math.sin(3.)))
    assert torch.allclose(pos[3, 1], torch.tensor(math.cos(3.)))
    assert torch.allclose(pos[3, 2], torch.tensor(math.sin(3. * 100 ** (-2 / 8))))


def test_tokenizer_cls_tokens_in_the_sequence():
    tok = TabularTokenizer(num_numeric=3, embed_dims=8, num_cls_tokens=1, pos_embed=False)
    tokens, layout = tok(torch.randn(5, 3))
    assert layout.grid == (4, ) and tokens.shape == (5, 4, 8)
    assert torch.allclose(tokens[:, 0], tok.weight[0].expand(5, -1))  # a learned token: weight x 1, no bias


@pytest.mark.parametrize('row, match', [
    ([0.5, -1.0, 3., 0.], 'categorical column 0 .* 3 categories'),
    ([0.5, -1.0, 1., 0.5], 'categorical column 1'),
    ([0.5, -1.0, -1., 0.], 'categorical column 0'),
])
def test_tokenizer_rejects_bad_codes(row, match):
    tok = TabularTokenizer(num_numeric=2, cardinalities=[3, 5], embed_dims=8)
    with pytest.raises(ValueError, match=match):
        tok(torch.tensor([[0., 0., 0., 0.], row]))


def test_tokenizer_rejects_a_wrong_column_count():
    tok = TabularTokenizer(num_numeric=2, cardinalities=[3], embed_dims=8)
    with pytest.raises(ValueError, match=r'expected rows \[B, 3\]'):
        tok(torch.zeros(2, 4))
    with pytest.raises(ValueError, match='at least one column'):
        TabularTokenizer(num_numeric=0, embed_dims=8)


# ------------------------------------------------------------------------------------------- model
def build(path=DEMO, dropout=False, **backbone):
    """The demo model; without ``dropout`` the official dropout (0.002) is off, so forward passes compare."""
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(path)
    cfg.model.target_generator.total_steps = 100
    if not dropout:
        for part in (cfg.model.backbone, cfg.model.predictor):
            part.block_cfg.update(attn_drop=0., drop=0.)
    if backbone:
        cfg.model.backbone.update(backbone)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def rows(batch=8, features=30, seed=0):
    return torch.randn(batch, features, generator=gen(seed))


def test_encoder_has_the_ln_linear_ln_head_and_the_target_mirrors_it():
    model = build()
    names = set(model.backbone.state_dict())
    assert {'ln1.norm1.weight', 'ln1.fc.weight', 'ln1.norm2.bias', 'register_tokens'} <= names
    assert set(model.target_generator.encoder.state_dict()) == names
    x = rows()
    out = model.backbone.forward_tokens(x)
    assert out.shape == (8, 30, 64)  # register token dropped
    with_reg = model.backbone.forward_tokens(x, with_registers=True)
    assert with_reg.shape == (8, 31, 64) and torch.allclose(with_reg[:, 1:], out, atol=1e-6)
    h = model.backbone.layers[-1](model.backbone.layers[-2](model.backbone.layers[-3](model.backbone.layers[0](
        torch.cat([model.backbone.register_tokens.expand(8, -1, -1), model.backbone.tokenizer(x)[0]], 1)))))
    head = model.backbone.ln1
    assert torch.allclose(head(h)[:, 1:], out, atol=1e-5)
    assert torch.allclose(head.norm2(head.fc(head.norm1(h)))[:, 1:], out, atol=1e-5)


def test_loss_is_the_mse_of_the_ema_targets_at_the_target_sets():
    model = build()
    x = rows()
    torch.manual_seed(1)
    masks = model.sample_masks(8, x.device)
    targets = model.compute_targets(x, masks)
    full = model.target_generator.encoder.forward_tokens(x)  # no further normalisation
    t, kt = masks.targets.shape[0], masks.targets.shape[2]
    assert targets.shape == (t * 8, kt, 64)
    expect = torch.stack([full[b, masks.targets[i, b]] for i in range(t) for b in range(8)])
    assert torch.allclose(targets, expect, atol=1e-6)
    pred = model.predict_targets(x, masks)
    assert torch.allclose(model.compute_loss(pred, targets, masks), ((pred - targets) ** 2).mean(), atol=1e-7)


def test_ema_update_after_a_train_step():
    from mmengine.optim import OptimWrapper
    model = build()
    wrapper = OptimWrapper(torch.optim.SGD(model.backbone.parameters(), lr=0.1))
    before = {k: v.clone() for k, v in model.target_generator.encoder.state_dict().items()}
    data = dict(inputs=list(rows()), data_samples=None)
    model.train_step(data, wrapper)
    online = model.backbone.state_dict()
    target = model.target_generator.encoder.state_dict()
    key = 'layers.0.attn.qkv.weight'
    assert not torch.equal(online[key], before[key])
    assert torch.allclose(target[key], 0.996 * before[key] + 0.004 * online[key], atol=1e-7)


def test_resume_reproduces_the_next_step():
    model = build()
    for step in range(3):
        model.loss(rows(seed=step))
        model.update_target()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    resumed = build()
    resumed.load_state_dict(state)
    assert resumed._step == 3
    assert torch.equal(model.sample_masks(8, 'cpu').context, resumed.sample_masks(8, 'cpu').context)
    assert torch.equal(model.loss(rows(seed=9))['loss'], resumed.loss(rows(seed=9))['loss'])


def test_official_index_config_builds_and_trains():
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(OFFICIAL)
    cfg.model.backbone.arch.num_layers = 2
    cfg.model.predictor.depth = 2
    cfg.model.target_generator.total_steps = 10
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert model.layout.grid == (55, ) and model.backbone.register_tokens is None
    assert model.mask_sampler.official_indexing and model.mask_sampler.num_features == 54
    loss = model.loss(torch.randn(4, 54))['loss']
    loss.backward()
    assert torch.isfinite(loss) and model.backbone.tokenizer.weight.grad is not None


def test_provenance_names_the_tabular_encoder():
    from mmjepa.engine.hooks.provenance import backbone_arch
    from mmjepa.utils.provenance import algorithm_name
    model = build()
    assert backbone_arch(model.backbone) == 'FTT-D64xL4' and algorithm_name(model) == 'T-JEPA'
