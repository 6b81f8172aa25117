# Copyright (c) mmjepa contributors. All rights reserved.
"""Contrast jitter for images of any channel count, single-channel (SAR) included.

SAR-JEPA (https://arxiv.org/abs/2311.15153) pretrains on grayscale images with torchvision's
``ColorJitter(contrast=0.5)``. mmpretrain's ``ColorJitter`` cannot stand in: ``mmcv.adjust_contrast`` converts
the image to grey with OpenCV (a 3- or 4-channel input only) or Pillow (no ``HxWx1``), so it raises on an
``HxW`` or ``HxWx1`` image with either backend.
"""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmengine.registry import TRANSFORMS

# mmcv images are BGR: the luma weights of ITU-R 601 in that order (as OpenCV's BGR2GRAY).
BGR_LUMA = np.array([0.114, 0.587, 0.299])


@TRANSFORMS.register_module()
class RandomContrast(BaseTransform):
    """Blend the image with its mean grey by a random factor, as torchvision's ``adjust_contrast``.

    ``out = clip(f * img + (1 - f) * mean, 0, 255)`` with ``f ~ U[max(0, 1 - contrast), 1 + contrast]`` drawn
    per call from numpy's global generator (so :class:`~mmjepa.datasets.SeededDataset` seeds it), and ``mean``
    the mean grey level of the image (the BGR luma for 3 channels, the mean over all pixels otherwise). A uint8
    image is rounded back to uint8; a float image stays float (and is clipped to [0, 255] too).

    Required keys: ``img`` (``HxW``, ``HxWx1`` or ``HxWx3``). Modified keys: ``img``.

    Args:
        contrast (float): The jitter strength, >= 0 (SAR-JEPA: 0.5). Defaults to 0.5.
        prob (float): Probability of applying it. Defaults to 1.0 (as torchvision's ``ColorJitter``).
    """

    def __init__(self, contrast: float = 0.5, prob: float = 1.0) -> None:
        if not contrast >= 0:
            raise ValueError(f'RandomContrast: contrast must be >= 0, got {contrast}')
        if not 0 <= prob <= 1:
            raise ValueError(f'RandomContrast: prob must be in [0, 1], got {prob}')
        self.contrast, self.prob = float(contrast), float(prob)

    @cache_randomness
    def _factor(self) -> Optional[float]:
        """The contrast factor, or None when the jitter is skipped."""
        if np.random.rand() >= self.prob:
            return None
        return float(np.random.uniform(max(0., 1. - self.contrast), 1. + self.contrast))

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (1, 3)):
            raise ValueError(f'RandomContrast: img must be HxW, HxWx1 or HxWx3, got shape {img.shape} '
                             f"(image {results.get('img_path', '<in memory>')!r})")
        factor = self._factor()
        if factor is None:
            return results
        values = img.astype(np.float32)
        mean = float((values @ BGR_LUMA).mean()) if img.ndim == 3 and img.shape[2] == 3 else float(values.mean())
        out = np.clip(factor * values + (1. - factor) * mean, 0, 255)
        results['img'] = np.rint(out).astype(np.uint8) if img.dtype == np.uint8 else out.astype(img.dtype)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(contrast={self.contrast}, prob={self.prob})'
