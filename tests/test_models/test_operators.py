# Copyright (c) mmjepa contributors. All rights reserved.
"""Fixed-operator targets: SAR-JEPA's ROA gradients, MaskFeat's HOG, MAE's pixels."""
import numpy as np
import pytest
import torch
from mmpretrain.registry import MODELS

import mmjepa  # noqa: F401  (registers the operators; lets mmpretrain.models import)
from mmjepa.models.target_generators import HOGTarget, PixelTarget, ROAGradientTarget


def _images(*shape, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(*shape, generator=gen, dtype=torch.float64).float() + 0.05


def _roa_by_loops(image, patch, radii, eps):
    """The official formula pixel by pixel (float64): half windows of r + 1 columns/rows sharing the centre;
    features per patch: scale, row, column, channel."""
    channels, height, width = image.shape
    maps = np.zeros((len(radii), channels, height, width))
    for s, r in enumerate(radii):
        for c in range(channels):
            padded = np.pad(image[c].astype(np.float64), r, mode='reflect') + eps
            for i in range(height):
                for j in range(width):
                    win = padded[i:i + 2 * r + 1, j:j + 2 * r + 1]
                    g_x = np.log(win[:, :r + 1].mean() / win[:, r:].mean())
                    g_y = np.log(win[:r + 1, :].mean() / win[r:, :].mean())
                    maps[s, c, i, j] = np.sqrt(g_x**2 + g_y**2)
    rows = []
    for gi in range(height // patch):
        for gj in range(width // patch):
            rows.append([
                maps[s, c, gi * patch + u, gj * patch + v] for s in range(len(radii)) for u in range(patch)
                for v in range(patch) for c in range(channels)
            ])
    return np.array(rows)


@pytest.mark.parametrize('channels', [1, 2])
def test_roa_gradient_matches_the_loop_formula(channels):
    images = _images(2, channels, 32, 24)
    op = ROAGradientTarget(patch_size=8, radii=(1, 2, 5), eps=0.01)
    out = op(images)
    assert out.shape == (2, 4 * 3, 3 * 64 * channels) and out.dtype == torch.float32
    assert op.feature_dim(channels) == out.shape[-1]
    for b in range(2):
        ref = _roa_by_loops(images[b].double().numpy(), 8, (1, 2, 5), 0.01)
        np.testing.assert_allclose(out[b].double().numpy(), ref, atol=1e-5, rtol=0)


def test_roa_gradient_float32_sums_stay_close():
    images = _images(2, 1, 64, 64)
    images[..., :32, :] *= 0.01  # dark rows after bright ones: the hard case for float32 prefix sums
    exact = ROAGradientTarget(patch_size=16, radii=(5, 17))(images)
    fast = ROAGradientTarget(patch_size=16, radii=(5, 17), sum_dtype='float32')(images)
    torch.testing.assert_close(fast, exact, atol=2e-4, rtol=0)
    with pytest.raises(ValueError, match='sum_dtype'):
        ROAGradientTarget(sum_dtype='half')


def test_roa_gradient_official_shape_and_no_state():
    op = MODELS.build(dict(type='ROAGradientTarget'))
    assert op.radii == (5, 9, 13, 17) and op.eps == 0.01
    assert not list(op.parameters()) and not list(op.buffers()) and not op.state_dict()
    out = op(_images(2, 1, 224, 224))
    assert out.shape == (2, 196, 1024) and op.feature_dim(1) == 1024
    assert torch.isfinite(out).all() and (out >= 0).all()


def test_roa_gradient_cancels_multiplicative_gain():
    images = _images(2, 1, 48, 48)
    op0 = ROAGradientTarget(patch_size=16, radii=(2, 5), eps=0.)
    torch.testing.assert_close(op0(7.5 * images), op0(images), atol=1e-5, rtol=0)
    torch.testing.assert_close(op0(0.02 * images), op0(images), atol=1e-5, rtol=0)
    # eps is in image units: the gain cancels when eps scales with it
    op = ROAGradientTarget(patch_size=16, radii=(2, 5), eps=0.01)
    op_scaled = ROAGradientTarget(patch_size=16, radii=(2, 5), eps=0.01 * 7.5)
    torch.testing.assert_close(op_scaled(7.5 * images), op(images), atol=1e-5, rtol=0)
    # a uniform image has no edges; a step edge has
    assert op(torch.full((1, 1, 32, 32), 0.3)).abs().max() < 1e-6
    step = torch.full((1, 1, 32, 32), 0.1)
    step[..., 16:] = 0.9
    assert op(step).max() > 1.


def test_roa_gradient_errors():
    op = ROAGradientTarget(patch_size=8, radii=(1, 2))
    with pytest.raises(ValueError, match='not divisible by patch_size=8'):
        op(_images(1, 1, 30, 32))
    with pytest.raises(ValueError, match=r'\[B, C, H, W\]'):
        op(_images(1, 32, 32))
    with pytest.raises(ValueError, match='non-negative'):
        op(_images(1, 1, 32, 32) - 0.5)
    with pytest.raises(ValueError, match='radius 17'):
        ROAGradientTarget(patch_size=8, radii=(17, ))(_images(1, 1, 16, 16))
    with pytest.raises(ValueError, match='radii'):
        ROAGradientTarget(radii=())
    with pytest.raises(ValueError, match='eps'):
        ROAGradientTarget(eps=-1.)


def test_hog_target_equals_mmpretrain_hog_generator():
    from mmpretrain.models.selfsup.maskfeat import HOGGenerator
    images = _images(2, 3, 224, 224)
    ours = HOGTarget(patch_size=16, nbins=9, pool=8, gaussian_window=16)(images)
    theirs = HOGGenerator(nbins=9, pool=8, gaussian_window=16)(images)
    assert ours.shape == theirs.shape == (2, 196, 3 * 9 * 4)
    torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=1e-5)


def test_hog_target_one_channel_and_errors():
    op = MODELS.build(dict(type='HOGTarget', patch_size=16))
    out = op(_images(2, 1, 64, 32))
    assert out.shape == (2, 8, 36) and op.feature_dim(1) == 36
    norms = out.view(2, 8, 9, 4).norm(dim=2)  # every cell's bins are L2-normalised
    torch.testing.assert_close(norms, torch.ones_like(norms))
    assert not list(op.parameters()) and not list(op.buffers())
    with pytest.raises(ValueError, match='not divisible by patch_size=16'):
        op(_images(1, 1, 40, 32))
    with pytest.raises(ValueError, match='gaussian_window=16'):
        HOGTarget(patch_size=8, pool=8)(_images(1, 1, 24, 24))
    assert HOGTarget(patch_size=8, pool=8, gaussian_window=0)(_images(1, 1, 24, 24)).shape == (1, 9, 9)
    with pytest.raises(ValueError, match='multiple of pool'):
        HOGTarget(patch_size=12, pool=8)


def test_pixel_target_matches_a_manual_patchify():
    images = _images(2, 3, 8, 12)
    p = 4
    manual = torch.stack([
        torch.stack([images[b, :, gi * p:(gi + 1) * p, gj * p:(gj + 1) * p].permute(1, 2, 0).reshape(-1)
                     for gi in range(2) for gj in range(3)]) for b in range(2)
    ])
    raw = MODELS.build(dict(type='PixelTarget', patch_size=p, normalize=False))(images)
    assert raw.shape == (2, 6, 48)
    assert torch.equal(raw, manual)
    normed = PixelTarget(patch_size=p)(images)
    expected = (manual - manual.mean(-1, keepdim=True)) / (manual.var(-1, keepdim=True) + 1e-6).sqrt()
    torch.testing.assert_close(normed, expected)
    torch.testing.assert_close(normed.mean(-1), torch.zeros(2, 6), atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match='not divisible by patch_size=4'):
        PixelTarget(patch_size=4)(_images(1, 1, 8, 10))
