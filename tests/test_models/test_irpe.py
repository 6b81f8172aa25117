# Copyright (c) mmjepa contributors. All rights reserved.
"""iRPE contextual relative position on keys (product method), as SAR-JEPA configures it."""
import math

import pytest
import torch
from mmpretrain.registry import MODELS

import mmjepa  # noqa: F401  (registers the layer)
from mmjepa.models.layers import ContextualKeyRPE, piecewise_bucket, product_buckets
from mmjepa.models.utils.layout import TokenLayout

ALPHA, BETA, GAMMA = 1.9, 3.8, 15.2  # ratio 1.9


def _direct_bucket(x, alpha=ALPHA, beta=BETA, gamma=GAMMA):
    if abs(x) <= alpha:
        return x
    far = round(alpha + math.log(abs(x) / alpha) / math.log(gamma / alpha) * (beta - alpha))
    return int(math.copysign(min(far, int(beta)), x))


def test_piecewise_bucket_values():
    distances = [0, 1, 2, 3, 4, 6, 10, 11, 13, 100, -1, -2, -3, -4, -10, -11, -13]
    got = piecewise_bucket(torch.tensor(distances), ALPHA, BETA, GAMMA).tolist()
    assert got == [_direct_bucket(d) for d in distances]
    assert got == [0, 1, 2, 2, 3, 3, 3, 3, 3, 3, -1, -2, -2, -3, -3, -3, -3]
    # another ratio: more exact buckets, log spacing beyond alpha
    other = [_direct_bucket(d, 3., 6., 24.) for d in range(-30, 31)]
    assert piecewise_bucket(torch.arange(-30, 31), 3., 6., 24.).tolist() == other
    assert max(other) == 6 and min(other) == -6 and other[30 + 3] == 3 and other[30 + 4] == 3 and other[30 + 5] == 4


def _bias_by_loops(q, coords, weight, num_prefix, prefix_bucket):
    batch, heads, length, _ = q.shape
    b = int(BETA)
    out = torch.zeros(batch, heads, length, length, dtype=torch.float64)
    for i in range(length):
        for j in range(length):
            if i < num_prefix or j < num_prefix:
                if not prefix_bucket:
                    continue
                bucket = (2 * b + 1)**2
            else:
                dr, dc = (coords[i - num_prefix] - coords[j - num_prefix]).tolist()
                bucket = (_direct_bucket(dr) + b) * (2 * b + 1) + _direct_bucket(dc) + b
            for n in range(batch):
                for h in range(heads):
                    table = weight[h if weight.shape[0] > 1 else 0]
                    out[n, h, i, j] = q[n, h, i].double() @ table[:, bucket].double()
    return out


@pytest.mark.parametrize('shared_head,num_prefix,prefix_bucket', [(True, 0, True), (False, 0, False),
                                                                  (True, 1, True), (False, 2, False),
                                                                  (False, 2, True)])
def test_bias_matches_a_loop(shared_head, num_prefix, prefix_bucket):
    gen = torch.Generator().manual_seed(0)
    rpe = ContextualKeyRPE(head_dims=4, num_heads=3, shared_head=shared_head, prefix_bucket=prefix_bucket)
    with torch.no_grad():
        rpe.lookup_table_weight.normal_(generator=gen)
    # a scattered subset of a 6 x 13 grid (offsets up to 12 columns: every bucket branch)
    coords = TokenLayout((6, 13)).coordinates()[torch.randperm(78, generator=gen)[:9]]
    q = torch.randn(2, 3, num_prefix + 9, 4, generator=gen)
    bias = rpe(q, coords, num_prefix_tokens=num_prefix)
    assert bias.shape == (2, 3, num_prefix + 9, num_prefix + 9)
    ref = _bias_by_loops(q, coords, rpe.lookup_table_weight.detach(), num_prefix, prefix_bucket)
    torch.testing.assert_close(bias.double(), ref, atol=1e-5, rtol=1e-5)


def test_translation_invariance_and_gradients():
    gen = torch.Generator().manual_seed(1)
    rpe = ContextualKeyRPE(head_dims=8, num_heads=2)
    with torch.no_grad():
        rpe.lookup_table_weight.normal_(generator=gen)
    window = TokenLayout((7, 7)).coordinates()
    q = torch.randn(3, 2, 50, 8, generator=gen, requires_grad=True)
    bias = rpe(q, window, num_prefix_tokens=1)
    shifted = rpe(q, window + torch.tensor([5, 3]), num_prefix_tokens=1)  # the same window elsewhere
    assert torch.equal(bias, shifted)
    moved = window.clone()
    moved[0] += torch.tensor([0, 2])  # one token moved: its row and column change
    changed = rpe(q, moved, num_prefix_tokens=1)
    assert not torch.allclose(changed[:, :, 1], bias[:, :, 1])
    torch.testing.assert_close(changed[:, :, 2:, 2:], bias[:, :, 2:, 2:])
    bias.square().sum().backward()
    assert q.grad.abs().sum() > 0 and rpe.lookup_table_weight.grad.abs().sum() > 0


def test_official_layout_and_buckets():
    rpe = MODELS.build(dict(type='ContextualKeyRPE', head_dims=64, num_heads=12))
    assert rpe.lookup_table_weight.shape == (1, 64, 50)  # 7 x 7 product buckets + the cls bucket
    assert not rpe.lookup_table_weight.any()  # zeros, as the official initialisation
    ids = rpe.bucket_ids(TokenLayout((14, 14)).coordinates(), num_prefix_tokens=1)
    assert ids.shape == (197, 197) and ids.min() == 0 and ids.max() == 49
    assert (ids[0] == 49).all() and (ids[:, 0] == 49).all() and (ids[1:, 1:] < 49).all()
    assert (ids[1:, 1:].diagonal() == 24).all()  # zero offset: the centre bucket (3 * 7 + 3)
    assert product_buckets(torch.tensor([[0, 0], [0, 1], [2, 0]]), ALPHA, BETA, GAMMA).tolist() == [
        [24, 23, 10], [25, 24, 11], [38, 37, 24]]
    assert rpe(torch.randn(2, 12, 197, 64), TokenLayout((14, 14)).coordinates(), 1).abs().max() == 0


def test_errors():
    rpe = ContextualKeyRPE(head_dims=4, num_heads=2)
    coords = TokenLayout((2, 3)).coordinates()
    with pytest.raises(ValueError, match=r'q \[B, 2, L, 4\]'):
        rpe(torch.randn(1, 3, 6, 4), coords)
    with pytest.raises(ValueError, match='num_prefix_tokens'):
        rpe(torch.randn(1, 2, 6, 4), coords, num_prefix_tokens=1)
    with pytest.raises(ValueError, match='int64'):
        rpe(torch.randn(1, 2, 6, 4), coords.float())
    with pytest.raises(ValueError, match='ratio'):
        ContextualKeyRPE(head_dims=4, num_heads=2, ratio=0.5)
