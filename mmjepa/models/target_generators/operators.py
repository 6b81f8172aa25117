# Copyright (c) mmjepa contributors. All rights reserved.
"""Fixed-operator targets: per-patch features computed from the image by a parameter-free operator.

The targets of `SAR-JEPA <https://arxiv.org/abs/2311.15153>`_ (multi-scale ratio-of-averages gradients),
of `MaskFeat <https://arxiv.org/abs/2112.09133>`_ (HOG) and of `MAE <https://arxiv.org/abs/2111.06377>`_
(pixels). Every operator maps ``images [B, C, H, W]`` to ``[B, N, F]`` per-patch targets in raster patch
order (``N = (H / p) * (W / p)``, the order of the encoder's tokens), so a target generator gathers them
with the same token indices as the encoder outputs. They own no parameters, no buffers and no state.
"""
from typing import Sequence

import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from torch import nn


def check_patch_grid(images: torch.Tensor, patch_size: int, owner: str) -> None:
    """Raise a clear error unless ``images`` is [B, C, H, W] with H and W multiples of ``patch_size``."""
    if images.dim() != 4:
        raise ValueError(f'{owner} expects images [B, C, H, W], got shape {tuple(images.shape)}')
    height, width = images.shape[-2:]
    if height % patch_size or width % patch_size:
        raise ValueError(f'{owner}: image size {height}x{width} is not divisible by patch_size={patch_size}; '
                         f'crop or resize the images to a multiple of the patch size')


def patchify(maps: torch.Tensor, patch_size: int) -> torch.Tensor:
    """[B, C, H, W] -> [B, N, p * p * C] in raster patch order; inside a patch the features run (row, column,
    channel), channel fastest: MAE's ``patchify`` order (the official SAR-JEPA code uses it with C = 1)."""
    batch, channels, height, width = maps.shape
    p = patch_size
    grid_h, grid_w = height // p, width // p
    patches = maps.reshape(batch, channels, grid_h, p, grid_w, p).permute(0, 2, 4, 3, 5, 1)
    return patches.reshape(batch, grid_h * grid_w, p * p * channels)


def _window_sums(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Sum over every ``height x width`` window of [.., H, W] (stride 1, no padding) -> [.., H - height + 1,
    W - width + 1], from differences of prefix sums along each axis (O(1) per pixel), in ``x``'s dtype."""
    prefix = F.pad(x.cumsum(-2), (0, 0, 1, 0))
    columns = prefix[..., height:, :] - prefix[..., :-height, :]
    prefix = F.pad(columns.cumsum(-1), (1, 0))
    return prefix[..., width:] - prefix[..., :-width]


SUM_DTYPES = {'float64': torch.float64, 'float32': torch.float32}


@MODELS.register_module()
class ROAGradientTarget(nn.Module):
    """SAR-JEPA's multi-scale ratio-of-averages (ROA) gradient targets
    (`arXiv:2311.15153 <https://arxiv.org/abs/2311.15153>`_, official ``GF`` module of
    ``waterdisappear/SAR-JEPA`` ``Pretraining/models_lomar.py``).

    For each radius ``r``, on the reflect-padded image plus ``eps``, every pixel gets

    * ``g_x = log(mean of the left half window / mean of the right half window)``,
    * ``g_y = log(mean of the top half window / mean of the bottom half window)``,
    * ``|g| = sqrt(g_x^2 + g_y^2)``,

    where the window is the ``(2r+1) x (2r+1)`` square centred on the pixel and a half window is its
    ``r + 1`` leftmost (rightmost) columns, or topmost (bottommost) rows: the centre column/row belongs to
    both halves, as in the official kernels (``np.ones`` over ``r + 1`` of the ``2r + 1`` columns). Both
    halves hold as many pixels, so the official ratio of sums (its conv kernels are ones) is this ratio of
    means. The log-ratio cancels a multiplicative gain: ``ROA(c * x)`` with ``eps * c`` equals ``ROA(x)``
    with ``eps`` (the speckle argument of the paper); ``eps`` is in image units (the official images are
    ``ToTensor()`` intensities in [0, 1], not normalised), so images must be non-negative.

    Output ``[B, N, len(radii) * p * p * C]``: the per-scale maps patchified (:func:`patchify`, rows, columns,
    channels) and concatenated scale after scale, the order of the official ``torch.cat`` over its four
    ``GF`` modules (1024 values per 16 px patch for the official 1-channel input and radii (5, 9, 13, 17)).
    The official kernels are single-channel conv weights and take 1-channel images only; for C > 1 this
    module applies the operator to every channel separately (an extension).

    The half-window sums come from prefix sums along rows and columns (O(1) per pixel whatever ``r``, no
    (2r+1)^2 kernel), accumulated in ``sum_dtype``.

    Args:
        patch_size (int): Patch size of the encoder. Defaults to 16.
        radii (Sequence[int]): The half-window radii ``r`` (the official ``kensize``). Defaults to
            (5, 9, 13, 17).
        eps (float): Added to the padded image before the averages (the official 0.01 on [0, 1] images);
            0 only for strictly positive images (an all-zero half window gives NaN). Defaults to 0.01.
        sum_dtype (str): Precision of the prefix sums: ``'float64'`` (default; the targets match a direct
            float64 computation to ~1e-6) or ``'float32'`` (about 2x faster on the CPU, errors up to ~1e-4
            next to bright areas; for devices without float64).
    """

    def __init__(self,
                 patch_size: int = 16,
                 radii: Sequence[int] = (5, 9, 13, 17),
                 eps: float = 0.01,
                 sum_dtype: str = 'float64'):
        super().__init__()
        radii = tuple(int(r) for r in radii)
        if patch_size < 1:
            raise ValueError(f'ROAGradientTarget.patch_size={patch_size} must be positive')
        if not radii or any(r < 1 for r in radii):
            raise ValueError(f'ROAGradientTarget.radii={radii} must be a non-empty list of positive integers')
        if eps < 0:
            raise ValueError(f'ROAGradientTarget.eps={eps} must be >= 0')
        if sum_dtype not in SUM_DTYPES:
            raise ValueError(f'ROAGradientTarget.sum_dtype={sum_dtype!r} must be one of {tuple(SUM_DTYPES)}')
        self.patch_size = patch_size
        self.radii = radii
        self.eps = float(eps)
        self.sum_dtype = sum_dtype

    def feature_dim(self, in_channels: int = 1) -> int:
        """F of the output for ``in_channels``-channel images (the predictor's output width)."""
        return len(self.radii) * self.patch_size**2 * in_channels

    def gradient_magnitude(self, images: torch.Tensor, radius: int) -> torch.Tensor:
        """ROA gradient magnitude map [B, C, H, W] of one radius (float32)."""
        r = radius
        height, width = images.shape[-2:]
        if r >= height or r >= width:
            raise ValueError(f'ROAGradientTarget: radius {r} needs images larger than {r} px per side for '
                             f'reflect padding, got {height}x{width}')
        x = (F.pad(images, (r, r, r, r), mode='reflect') + self.eps).to(SUM_DTYPES[self.sum_dtype])
        columns = _window_sums(x, 2 * r + 1, r + 1).float()  # [.., H, W + r]: rows a..a+2r, columns b..b+r
        rows = _window_sums(x, r + 1, 2 * r + 1).float()  # [.., H + r, W]: rows a..a+r, columns b..b+2r
        log_x = torch.log(columns[..., :width] / columns[..., r:])  # left / right
        log_y = torch.log(rows[..., :height, :] / rows[..., r:, :])  # top / bottom
        return torch.sqrt(log_x.square() + log_y.square())

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """images [B, C, H, W] (non-negative) -> targets [B, N, len(radii) * p * p * C] (float32)."""
        check_patch_grid(images, self.patch_size, type(self).__name__)
        images = images.float()
        lowest = float(images.min())
        if lowest < 0:
            raise ValueError(f'ROAGradientTarget needs non-negative intensities (the official images are '
                             f'ToTensor() values in [0, 1]), got a minimum of {lowest:.4g}: give it the images '
                             f'before mean/std normalisation (e.g. data_preprocessor mean=[0], std=[255])')
        return torch.cat([patchify(self.gradient_magnitude(images, r), self.patch_size) for r in self.radii],
                         dim=-1)


@MODELS.register_module()
class HOGTarget(nn.Module):
    """MaskFeat's HOG targets (`arXiv:2112.09133 <https://arxiv.org/abs/2112.09133>`_), per patch.

    The same operator as mmpretrain's ``HOGGenerator`` (``mmpretrain.models.selfsup.maskfeat``): 3x3 Sobel
    gradients on the reflect-padded image, orientation ``atan2(g_x, g_y)`` in ``nbins`` signed bins, magnitudes
    weighted by a tiled Gaussian window, summed over ``pool x pool`` cells, L2-normalised over the bins of each
    cell. That class is not reused: its Sobel weights are fixed to 3 channels (1-channel images fail) and its
    reshape assumes a 14-patch-wide grid (224 px at patch 16). Here each channel is processed separately
    (any C, any size divisible by the patch) and, at 3 channels, 224 px, patch 16, the output equals
    ``HOGGenerator``'s (tested).

    Output ``[B, N, C * nbins * (p / pool)^2]``, features ordered (channel, bin, cell row, cell column) as in
    ``HOGGenerator``; 9 * 4 = 36 per 16 px patch of a 1-channel image at the defaults.

    Args:
        patch_size (int): Patch size of the encoder; a multiple of ``pool``. Defaults to 16.
        nbins (int): Orientation bins. Defaults to 9.
        pool (int): Cell size in pixels. Defaults to 8.
        gaussian_window (int): Size of the Gaussian weighting window, tiled over the image (H and W must be
            multiples of it); 0 disables the weighting. Defaults to 16 (mmpretrain's and MaskFeat's).
    """

    def __init__(self, patch_size: int = 16, nbins: int = 9, pool: int = 8, gaussian_window: int = 16):
        super().__init__()
        if nbins < 1 or pool < 1 or patch_size % pool:
            raise ValueError(f'HOGTarget: nbins={nbins} and pool={pool} must be positive and patch_size='
                             f'{patch_size} a multiple of pool')
        if gaussian_window < 0:
            raise ValueError(f'HOGTarget.gaussian_window={gaussian_window} must be >= 0')
        self.patch_size = patch_size
        self.nbins = nbins
        self.pool = pool
        self.gaussian_window = gaussian_window

    def feature_dim(self, in_channels: int = 1) -> int:
        """F of the output for ``in_channels``-channel images."""
        return in_channels * self.nbins * (self.patch_size // self.pool)**2

    def gaussian_weights(self, height: int, width: int, device: torch.device) -> torch.Tensor:
        """The Gaussian window (std = window // 2, normalised to sum 1) tiled to [H, W]."""
        size = self.gaussian_window
        taps = torch.arange(size, dtype=torch.float32, device=device)
        taps = torch.exp(-0.5 * ((taps - taps.mean()) / (size // 2))**2)
        window = taps[:, None] * taps[None, :]
        return (window / window.sum()).repeat(height // size, width // size)

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """images [B, C, H, W] -> targets [B, N, C * nbins * (p / pool)^2] (float32)."""
        check_patch_grid(images, self.patch_size, type(self).__name__)
        batch, channels, height, width = images.shape
        size = self.gaussian_window
        if size and (height % size or width % size):
            raise ValueError(f'HOGTarget: image size {height}x{width} is not a multiple of gaussian_window='
                             f'{size}; change gaussian_window (0 disables it) or the image size')
        sobel_x = images.new_tensor([[1., 0., -1.], [2., 0., -2.], [1., 0., -1.]], dtype=torch.float32)
        kernels = torch.stack([sobel_x, sobel_x.t()]).unsqueeze(1).repeat(channels, 1, 1, 1)
        padded = F.pad(images.float(), (1, 1, 1, 1), mode='reflect')
        grads = F.conv2d(padded, kernels, groups=channels).view(batch, channels, 2, height, width)
        grad_x, grad_y = grads.unbind(2)
        magnitude = torch.stack([grad_x, grad_y], dim=-1).norm(dim=-1)
        if size:
            magnitude = magnitude * self.gaussian_weights(height, width, images.device)
        bins = torch.floor(torch.atan2(grad_x, grad_y) / torch.pi * self.nbins).long() % self.nbins
        hist = magnitude.new_zeros(batch, channels, self.nbins, height, width)
        hist.scatter_add_(2, bins.unsqueeze(2), magnitude.unsqueeze(2))
        pool = self.pool
        cells = hist.view(batch, channels, self.nbins, height // pool, pool, width // pool, pool).sum((4, 6))
        cells = F.normalize(cells, p=2, dim=2)
        # per patch: (channel, bin, cell row, cell column), HOGGenerator's order
        cells_per_patch = self.patch_size // self.pool
        grid_h, grid_w = height // self.patch_size, width // self.patch_size
        cells = cells.reshape(batch, channels * self.nbins, grid_h, cells_per_patch, grid_w, cells_per_patch)
        return cells.permute(0, 2, 4, 1, 3, 5).reshape(batch, grid_h * grid_w, -1)


@MODELS.register_module()
class PixelTarget(nn.Module):
    """MAE's pixel targets (`arXiv:2111.06377 <https://arxiv.org/abs/2111.06377>`_): the patch pixels in
    :func:`patchify` order (row, column, channel), optionally normalised per patch as MAE's ``norm_pix_loss``:
    ``(x - mean) / sqrt(var + eps)`` with the unbiased variance over the patch's ``p * p * C`` values.

    Args:
        patch_size (int): Patch size of the encoder. Defaults to 16.
        normalize (bool): Per-patch normalisation. Defaults to True.
        eps (float): Added to the variance. Defaults to 1e-6 (MAE's).
    """

    def __init__(self, patch_size: int = 16, normalize: bool = True, eps: float = 1e-6):
        super().__init__()
        if patch_size < 1:
            raise ValueError(f'PixelTarget.patch_size={patch_size} must be positive')
        self.patch_size = patch_size
        self.normalize = normalize
        self.eps = eps

    def feature_dim(self, in_channels: int = 1) -> int:
        """F of the output for ``in_channels``-channel images."""
        return self.patch_size**2 * in_channels

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """images [B, C, H, W] -> targets [B, N, p * p * C] (float32)."""
        check_patch_grid(images, self.patch_size, type(self).__name__)
        patches = patchify(images.float(), self.patch_size)
        if self.normalize:
            mean = patches.mean(dim=-1, keepdim=True)
            var = patches.var(dim=-1, keepdim=True)
            patches = (patches - mean) / (var + self.eps).sqrt()
        return patches
