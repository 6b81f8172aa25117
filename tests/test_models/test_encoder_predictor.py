# Copyright (c) mmjepa contributors. All rights reserved.
import math

import pytest
import torch

from mmjepa.models.mask_samplers import Masks
from mmjepa.models.utils.layout import TokenLayout
from mmjepa.models import JEPAPredictor, JEPAViT
from mmjepa.models.utils import gather_tokens, sincos_2d_position_embedding


def count(module, skip=('pos_embed', )):
    return sum(p.numel() for n, p in module.named_parameters() if not n.endswith(skip))


@pytest.mark.parametrize('arch, patch, img, depth, enc_m, pred_m', [
    ('base', 16, 224, 6, 85.6, 11.2),
    ('large', 16, 224, 12, 303.1, 22.1),
    ('huge', 14, 224, 12, 630.4, 22.3),
    ('giant', 16, 224, 16, 1011, 29.5),
])
def test_parameter_counts_match_the_reference(arch, patch, img, depth, enc_m, pred_m):
    with torch.device('meta'):
        enc = JEPAViT(arch=arch, patch_size=patch, img_size=img)
        pred = JEPAPredictor(embed_dims=enc.embed_dims, num_heads=enc.num_heads,
                             layout=enc.layout, depth=depth)
    assert round(count(enc) / 1e6, 1) == pytest.approx(enc_m, abs=0.5 if arch == 'giant' else 0.05)
    assert round(count(pred) / 1e6, 1) == pytest.approx(pred_m, abs=0.05)


def test_no_cls_token_and_frozen_sincos_pos_embed():
    enc = JEPAViT(arch='tiny', img_size=64, patch_size=16)
    enc.init_weights()
    assert enc.cls_token is None and not enc.pos_embed.requires_grad
    assert torch.equal(enc.pos_embed, sincos_2d_position_embedding(192, (4, 4)))
    with pytest.raises(ValueError, match='cls'):
        JEPAViT(arch='tiny', with_cls_token=True)


def test_sincos_layout_columns_then_rows():
    dims, grid = 16, (3, 5)
    emb = sincos_2d_position_embedding(dims, grid)[0]
    quarter = dims // 4
    omega = [1 / 10000**(i / quarter) for i in range(quarter)]
    for r in range(grid[0]):
        for c in range(grid[1]):
            expect = ([math.sin(c * w) for w in omega] + [math.cos(c * w) for w in omega] +
                      [math.sin(r * w) for w in omega] + [math.cos(r * w) for w in omega])
            assert torch.allclose(emb[r * grid[1] + c], torch.tensor(expect), atol=1e-6)


def test_encoder_computes_only_kept_tokens():
    torch.manual_seed(0)
    enc = JEPAViT(arch="tiny", img_size=64, patch_size=16)
    enc.eval()
    enc.init_weights()
    x = torch.randn(2, 3, 64, 64)
    full = enc.forward_tokens(x)
    assert full.shape == (2, 16, 192)
    everything = torch.arange(16).expand(2, -1)
    assert torch.allclose(enc.forward_tokens(x, keep=everything), full, atol=1e-6)
    keep = torch.tensor([[0, 3, 5], [1, 2, 15]])
    assert enc.forward_tokens(x, keep=keep).shape == (2, 3, 192)
    # Downstream interface: featmap by default.
    assert enc(x)[0].shape == (2, 192, 4, 4)


def test_predictor_folds_target_blocks_into_the_batch():
    torch.manual_seed(0)
    pred = JEPAPredictor(embed_dims=192, num_heads=3, layout=TokenLayout((4, 4)), predictor_dims=48, depth=2).eval()
    pred.init_weights()
    context = torch.randn(2, 5, 192)
    context_idx = torch.tensor([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])
    target_idx = torch.tensor([[[10, 11], [12, 13]], [[14, 15], [0, 1]], [[2, 3], [4, 5]]])  # [T=3, B=2, 2]
    out = pred(context, Masks(context_idx, target_idx))
    assert out.shape == (6, 2, 192)
    # Block-major: row t*B + b is block t of image b, the same as predicting that block alone.
    single = pred(context[1:], Masks(context_idx[1:], target_idx[1:2, 1:]))
    assert torch.allclose(out[3], single[0], atol=1e-5)


def test_gather_tokens_block_major():
    x = torch.arange(2 * 4).float().reshape(2, 4, 1)
    idx = torch.tensor([[[0], [1]], [[2], [3]]])  # [T=2, B=2, 1]
    assert gather_tokens(x, idx).flatten().tolist() == [0., 5., 2., 7.]
