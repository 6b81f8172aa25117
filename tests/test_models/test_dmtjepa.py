# Copyright (c) mmjepa contributors. All rights reserved.
"""DMT-JEPA: neighbour tables, top-k, aggregation head, EMA of the heads, query ordering, configs."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmpretrain.registry import MODELS

import mmjepa  # noqa: F401
from mmjepa.models.heads import LocalAggHead
from mmjepa.models.target_generators import EMATargetGenerator
from mmjepa.models.utils import gather_tokens, neighbour_table, topk_neighbours

SMALL = dict(embed_dims=64, num_layers=2, num_heads=4, feedforward_channels=128)


def tiny_dmtjepa(img_size=32, **kwargs):
    cfg = dict(type='DMTJEPA', backbone=dict(type='JEPAViT', arch=SMALL, img_size=img_size, patch_size=8),
               predictor=dict(type='JEPAPredictor', predictor_dims=48, depth=2),
               mask_sampler=dict(type='MultiBlockMaskSampler', target_scale=(0.15, 0.2), min_keep=1),
               target_generator=dict(type='DMTTargetGenerator', total_steps=100))
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def brute_force(rows, cols, border, window=3):
    """Sets of neighbours, written the obvious way."""
    half, out = window // 2, []
    for i in range(rows * cols):
        r, c, nbrs = i // cols, i % cols, set()
        for dr in range(-half, half + 1):
            for dc in range(-half, half + 1):
                rr, cc = r + dr, c + dc
                if border == 'wrap':
                    rr, cc = rr % rows, cc % cols
                elif not (0 <= rr < rows and 0 <= cc < cols):
                    continue
                if rr * cols + cc != i:
                    nbrs.add(rr * cols + cc)
        out.append(nbrs)
    return out


# ------------------------------------------------------------------------------------------ neighbour tables
@pytest.mark.parametrize('grid', [(14, 14), (16, 16), (6, 10), (3, 5), (2, 4)])
@pytest.mark.parametrize('border', ['wrap', 'clip'])
def test_neighbour_tables_match_brute_force(grid, border):
    index, valid = neighbour_table(grid, 3, border)
    assert index.shape == valid.shape == (grid[0] * grid[1], 8)
    for i, expect in enumerate(brute_force(*grid, border)):
        got = index[i][valid[i]].tolist()
        assert got == sorted(expect), (i, got)  # ascending, no duplicate, never the patch itself
        assert (index[i][~valid[i]] == i).all()  # invalid slots hold the patch's own index


def test_neighbour_table_spot_checks():
    index, valid = neighbour_table((14, 14))  # wrap-around, the official tables
    assert valid.all()
    assert index[0].tolist() == [1, 13, 14, 15, 27, 182, 183, 195]
    assert index[195].tolist() == [0, 12, 13, 168, 180, 181, 182, 194]  # the last patch wraps to the first
    index, valid = neighbour_table((16, 16))
    assert index[0].tolist() == [1, 15, 16, 17, 31, 240, 241, 255]
    assert index[17].tolist() == [0, 1, 2, 16, 18, 32, 33, 34]
    index, valid = neighbour_table((6, 10))  # non-square: 6 rows, 10 columns
    assert index[0].tolist() == [1, 9, 10, 11, 19, 50, 51, 59]
    index, valid = neighbour_table((14, 14), border='clip')
    assert index[0][valid[0]].tolist() == [1, 14, 15]
    assert index[5][valid[5]].tolist() == [4, 6, 18, 19, 20]
    assert int(valid[15].sum()) == 8
    index, valid = neighbour_table((6, 10), border='clip')
    assert index[59][valid[59]].tolist() == [48, 49, 58]
    index, valid = neighbour_table((14, 14), window_size=5)
    assert index.shape == (196, 24) and valid.all()
    for bad in (dict(window_size=2), dict(window_size=4), dict(border='reflect')):
        with pytest.raises(ValueError):
            neighbour_table((14, 14), **bad)


@pytest.mark.parametrize('border', ['wrap', 'clip'])
def test_topk_never_selects_self_or_invalid(border):
    torch.manual_seed(0)
    grid = (5, 7)
    x = torch.randn(3, 35, 16)
    x[:, 1] = x[:, 0]  # an exact duplicate of patch 0 must still not let patch 0 pick itself
    index, valid = neighbour_table(grid, 3, border)
    chosen, mask = topk_neighbours(x, index, None if valid.all() else valid, k=4)
    assert chosen.shape == (3, 35, 4)
    own = torch.arange(35).view(1, 35, 1)
    real = torch.ones_like(chosen, dtype=torch.bool) if mask is None else mask
    assert not (chosen[real] == own.expand_as(chosen)[real]).any()
    unit = F.normalize(x, dim=-1)
    for b in range(3):
        for i in range(35):
            allowed = index[i][valid[i]]
            sims = unit[b, allowed] @ unit[b, i]
            expect = set(allowed[sims.topk(min(4, len(allowed))).indices].tolist())
            assert set(chosen[b, i][real[b, i]].tolist()) == expect
    if border == 'clip':  # the corners of a clipped 3x3 window have 3 neighbours for k = 4
        assert mask is not None and int(mask[0, 0].sum()) == 3


def test_bf16_similarity_reproduces_the_official_selection():
    """``similarity_dtype='bfloat16'`` picks the neighbours of the official code, written its way (gathered
    neighbours, matmul of bf16-rounded unit vectors, bf16 result, top-k); fp32 picks another set for some
    patches of correlated features."""
    torch.manual_seed(0)
    index, _ = neighbour_table((14, 14), 3, 'wrap')
    x = F.layer_norm(0.6 * torch.randn(4, 1, 256) + 0.4 * torch.randn(4, 196, 256), (256, ))
    unit = F.normalize(x, dim=-1)
    sim = (unit[:, index].bfloat16() @ unit.unsqueeze(2).transpose(-2, -1).bfloat16()).squeeze(-1)
    official = index.expand(4, -1, -1).gather(2, sim.topk(4, dim=-1).indices).sort(-1).values
    bf16, _ = topk_neighbours(x, index, None, 4, similarity_dtype='bfloat16')
    fp32, _ = topk_neighbours(x, index, None, 4)
    assert torch.equal(bf16.sort(-1).values, official)
    changed = (fp32.sort(-1).values != official).any(-1).float().mean()
    assert 0.02 < changed < 0.5, float(changed)
    with pytest.raises(ValueError, match='similarity_dtype'):
        topk_neighbours(x, index, None, 4, similarity_dtype='float16')
    with pytest.raises(ValueError, match='target_generator.similarity_dtype'):
        tiny_dmtjepa(target_generator=dict(type='DMTTargetGenerator', similarity_dtype='half'))
    model = tiny_dmtjepa(target_generator=dict(type='DMTTargetGenerator', similarity_dtype='bfloat16',
                                                          total_steps=100))
    assert model.target_generator.similarity_dtype == 'bfloat16'
    assert model.loss(torch.randn(2, 3, 32, 32), None)['loss'] > 0


# ------------------------------------------------------------------------------------------ aggregation head
@pytest.mark.parametrize('arch,dims,heads,params', [('base', 768, 12, 14_177_280), ('large', 1024, 16, 25_194_496),
                                                    ('huge', 1280, 16, 39_357_440)])
def test_head_parameter_counts(arch, dims, heads, params):
    with torch.device('meta'):
        head = LocalAggHead(dims, heads)
    # 24 D^2 + 28 D: 14.2M / 25.2M / 39.4M, the reference's sizes
    assert sum(p.numel() for p in head.parameters()) == params


def reference_head(head, x, nbrs=None, official_order=False):
    """The head's equations written out with plain tensor ops (spec of the official LocalAggHead)."""
    sd = {k: v.detach() for k, v in head.state_dict().items()}
    ln = lambda t, p: F.layer_norm(t, t.shape[-1:], sd[p + '.weight'], sd[p + '.bias'], eps=1e-6)  # noqa
    lin = lambda t, p: t @ sd[p + '.weight'].T + sd[p + '.bias']  # noqa
    nh = head.layers[0].attn.num_heads

    def attend(u, p):
        B, L, D = u.shape
        q = lin(u[:, :1], p + '.attn.q').reshape(B, 1, nh, D // nh).transpose(1, 2)
        k = lin(u, p + '.attn.k').reshape(B, L, nh, D // nh).transpose(1, 2)
        v = lin(u, p + '.attn.v').reshape(B, L, nh, D // nh).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-2, -1) * (D // nh)**-0.5, dim=-1)
        return lin((a @ v).transpose(1, 2).reshape(B, 1, D), p + '.attn.proj')

    mlp = lambda t, p: lin(F.gelu(lin(ln(t, p + '.ln2'), p + '.ffn.fc1')), p + '.ffn.fc2')  # noqa
    B, N, D = x.shape
    if nbrs is None:
        z = x
        for i in range(len(head.layers)):
            z = z + attend(ln(torch.cat([z.mean(1, keepdim=True), z], 1), f'layers.{i}.ln1'), f'layers.{i}')
            z = z + mlp(z, f'layers.{i}')
        return ln(z, 'ln')
    mean = x.mean(1, keepdim=True)
    q = torch.stack([mean[(r % B) if official_order else r // N] for r in range(B * N)])
    kv = nbrs.reshape(B * N, -1, D)
    for i in range(len(head.layers)):
        q = q + attend(ln(torch.cat([q, kv], 1), f'layers.{i}.ln1'), f'layers.{i}')
        q = q + mlp(q, f'layers.{i}')
    return ln(q, 'ln').reshape(B, N, D)


def test_head_local_and_global_modes_match_reference():
    torch.manual_seed(0)
    head = LocalAggHead(32, 4)
    head.init_weights()
    with torch.no_grad():
        for p in head.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    x, nbrs = torch.randn(3, 6, 32), torch.randn(3, 6, 4, 32)
    out = head(x, nbrs)
    assert out.shape == (3, 6, 32)
    assert torch.allclose(out, reference_head(head, x, nbrs), atol=1e-5)
    out = head(x, nbrs, official_query_order=True)
    assert torch.allclose(out, reference_head(head, x, nbrs, official_order=True), atol=1e-5)
    z = torch.randn(2, 5, 32)
    out = head(z)
    assert out.shape == (2, 5, 32)
    assert torch.allclose(out, reference_head(head, z), atol=1e-5)
    # Masked neighbours do not matter: a patch with 2 real neighbours of 4.
    mask = torch.ones(3, 6, 4, dtype=torch.bool)
    mask[:, :, 2:] = False
    other = nbrs.clone()
    other[:, :, 2:] = 100.
    assert torch.allclose(head(x, nbrs, mask), head(x, other, mask), atol=1e-6)
    assert torch.allclose(head(x, nbrs, mask), head(x, nbrs[:, :, :2]), atol=1e-5)


def test_query_ordering_fix_and_official_bug():
    torch.manual_seed(0)
    B, N = 3, 5  # N not a multiple of B, so every ordering mistake shows
    x = torch.randn(B, N, 8)
    means = x.mean(1)
    fixed = LocalAggHead.initial_queries(x).squeeze(1)
    official = LocalAggHead.initial_queries(x, official_query_order=True).squeeze(1)
    for b in range(B):
        for n in range(N):
            assert torch.equal(fixed[b * N + n], means[b])  # each patch: its own image's mean
            assert torch.equal(official[b * N + n], means[(b * N + n) % B])  # the official repeat(N, 1, 1)
    # Through the model: identical for a batch of one, different otherwise.
    model = tiny_dmtjepa()
    gen = model.target_generator
    img = torch.randn(2, 3, 32, 32)
    a = gen.features(img)
    gen.official_query_order = True
    b = gen.features(img)
    assert not torch.allclose(a, b)
    assert torch.allclose(gen.features(img[:1]), a[:1], atol=1e-5)


# -------------------------------------------------------------------------------------------- algorithm
def test_heads_are_ema_copies_with_the_encoder_momentum():
    torch.manual_seed(0)
    model = tiny_dmtjepa()
    online, target = model.agg_head, model.target_generator.agg_head
    assert online is not target
    assert all(torch.equal(a, b) for a, b in zip(online.state_dict().values(), target.state_dict().values()))
    assert not any(p.requires_grad for p in model.target_generator.parameters())
    x = torch.randn(2, 3, 32, 32)
    model.loss(x, None)
    with torch.no_grad():
        for p in list(online.parameters()) + list(model.backbone.parameters()):
            p.add_(0.5)
    before = copy.deepcopy(target.state_dict())
    enc_before = copy.deepcopy(model.target_generator.encoder.state_dict())
    assert model.update_target()  # the update after optimizer step 0
    m = 0.996
    for key in ('layers.0.attn.q.weight', 'layers.1.ffn.fc2.bias', 'ln.weight'):
        assert torch.allclose(target.state_dict()[key], m * before[key] + (1 - m) * online.state_dict()[key],
                              atol=1e-6)
    key = 'layers.0.attn.qkv.weight'
    assert torch.allclose(model.target_generator.encoder.state_dict()[key],
                          m * enc_before[key] + (1 - m) * model.backbone.state_dict()[key], atol=1e-6)


def test_context_head_gets_gradients_and_targets_use_the_head():
    torch.manual_seed(0)
    model = tiny_dmtjepa()
    x = torch.randn(2, 3, 32, 32)
    model.loss(x, None)['loss'].backward()
    assert all(p.grad is not None for p in model.agg_head.parameters())
    masks = model.sample_masks(2, torch.device('cpu'))
    context_idx, target_idx = masks.context, masks.targets
    targets = model.compute_targets(x, masks)
    plain = gather_tokens(EMATargetGenerator.features(model.target_generator, x), target_idx)  # I-JEPA's
    assert targets.shape == plain.shape and not torch.allclose(targets, plain)


def test_state_dict_round_trip_restores_the_heads():
    torch.manual_seed(0)
    a = tiny_dmtjepa()
    optim = torch.optim.AdamW([p for p in a.parameters() if p.requires_grad], lr=1e-3)
    x = torch.randn(2, 3, 32, 32)
    for _ in range(2):
        loss = a.loss(x, None)['loss']
        optim.zero_grad()
        loss.backward()
        optim.step()
        a.update_target()
    sd = a.state_dict()
    assert any(k.startswith('agg_head.') for k in sd) and any(k.startswith('target_generator.agg_head.') for k in sd)
    torch.manual_seed(1)
    b = tiny_dmtjepa()
    b.load_state_dict(sd)  # strict
    with torch.no_grad():
        assert torch.equal(a.loss(x, None)['loss'], b.loss(x, None)['loss'])


@pytest.mark.parametrize('img_size,border', [((32, 48), 'wrap'), ((40, 24), 'clip'), (32, 'clip')])
def test_any_grid_and_clipped_borders(img_size, border):
    torch.manual_seed(0)
    model = tiny_dmtjepa(img_size=img_size, target_generator=dict(type='DMTTargetGenerator', border=border,
                                                                                 total_steps=100))
    size = (img_size, img_size) if isinstance(img_size, int) else img_size
    x = torch.randn(2, 3, *size)
    for _ in range(2):
        out = model.loss(x, None)
    assert torch.isfinite(out['loss'])


@pytest.mark.parametrize('config,arch,depth', [
    ('configs/dmtjepa/dmtjepa_vit-base-p16_8xb256-amp-600e_in1k.py', 'base', 6),
    ('configs/dmtjepa/dmtjepa_vit-large-p16_8xb256-amp-600e_in1k.py', 'large', 12),
    ('configs/dmtjepa/dmtjepa_vit-huge-p14_16xb128-amp-300e_in1k.py', 'huge', 12)])
def test_recipe_configs(config, arch, depth):
    cfg = Config.fromfile(config)
    assert cfg.model.type == 'DMTJEPA' and cfg.model.backbone.arch == arch
    assert cfg.model.predictor.depth == depth and cfg.model.predictor.predictor_dims == 384
    tg = cfg.model.target_generator
    assert (tg.type, tg.num_neighbours, tg.window_size, tg.border, tg.official_query_order) == (
        'DMTTargetGenerator', 4, 3, 'wrap', False)
    epochs, batch = (300, 128) if arch == 'huge' else (600, 256)
    assert cfg.train_cfg.max_epochs == epochs and cfg.train_dataloader.batch_size == batch
