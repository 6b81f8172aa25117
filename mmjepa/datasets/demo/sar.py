# Copyright (c) mmjepa contributors. All rights reserved.
"""A SAR-like demo classification set for SAR-JEPA (https://arxiv.org/abs/2311.15153): single-channel
targets of the eight demo shape classes on dark clutter, with multiplicative speckle.

One image, in the order it is made:

1. **Reflectivity** (the clean image, linear *intensity*, i.e. power): a jittered grid of bright targets of
   the image's class (:func:`~.scenes.glyph_grid`, the glyphs of the RGB demo with their per-class area
   equalisation, so every random resized crop down to 0.2 of the area still holds the shape and the amount of
   bright pixels says nothing about the class) over dark clutter with a smooth texture, each target casting a
   radar shadow away from a random illumination direction.
2. **Speckle**: ``intensity = reflectivity * n`` with ``n ~ Gamma(shape=L, scale=1/L)`` per pixel (mean 1,
   variance 1/L): the fully developed speckle of an L-look *intensity* image. The equivalent number of looks
   L is drawn per image, uniformly in [1, 4] (:data:`LOOKS`; a real number, as estimated ENLs are). In
   *amplitude* ``sqrt(intensity)`` the same speckle is a square-root-Gamma (Nakagami) factor: still
   multiplicative, with mean < 1 and a smaller spread.
3. **Display**: ``'sqrt'`` (default) writes the amplitude, linearly scaled: ``round(255 * sqrt(I / I_full))``
   with ``I_full`` = :data:`AMPLITUDE_FULL_SCALE` (6 dB above the brightest target; brighter speckle peaks
   clip at 255). This is what the magnitude chips of MSTAR, FUSAR-Ship and SAR-ACD store, and it keeps the
   speckle multiplicative, which SAR-JEPA's ratio-of-averages gradient target is built to cancel. ``'log'``
   writes decibels mapped linearly from :data:`LOG_RANGE_DB` to [0, 255]; it makes speckle additive.

Only numpy and Pillow are needed (``tools/dataset_converters/make_demo_data.py`` loads this package by path).
"""
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from .imagenet import index_width, save_png
from .scenes import SPLIT_IDS, glyph_grid
from .shapes import CLASSES, ShapeSpec, rasterize

LOOKS = (1., 4.)  # equivalent number of looks, uniform per image
TARGET_LEVELS = (0.5, 1.)  # the targets' reflectivity (linear intensity)
CLUTTER_LEVELS = (0.01, 0.04)  # mean clutter reflectivity: 11 to 20 dB below the targets
CLUTTER_TEXTURE = 0.3  # relative std of the clutter's texture, on a coarse grid ...
TEXTURE_CELLS = 4  # ... of this many cells per side, bilinearly interpolated
SHADOW_LEVEL = 0.1  # reflectivity in a target's radar shadow, relative to the clutter
SHADOW_LENGTH = (0.2, 0.4)  # shift of the shadow from its target, in grid cells
CELL = (12., 16.)  # grid cell of the targets (pixels at any image size: a crop keeps whole targets)
FILL = (0.32, 0.42)  # target circumradius / cell (times the class's area-equalising scale)
JITTER = 0.15  # target centre jitter / cell
AMPLITUDE_FULL_SCALE = 4.  # intensity shown as 255 by the 'sqrt' display
LOG_RANGE_DB = (-30., 6.)  # dB shown as 0 and 255 by the 'log' display
DISPLAYS = ('sqrt', 'log')
SAR_STREAM = 200  # mixed into the per-image seeds: the SAR images do not share draws with the RGB demo


@dataclass
class SarScene:
    """A rendered SAR-like image: ``image`` (HxW uint8, displayed), ``reflectivity`` (HxW float32, the clean
    intensity), ``intensity`` (HxW float32, ``reflectivity`` times the speckle), ``looks`` (L of the speckle),
    ``label`` (class id), ``target`` (HxW float32 coverage of the targets, 0..1) and ``glyphs`` (the targets)."""
    image: np.ndarray
    reflectivity: np.ndarray
    intensity: np.ndarray
    looks: float
    label: int
    target: np.ndarray
    glyphs: List[ShapeSpec] = field(default_factory=list)

    @property
    def name(self) -> str:
        return CLASSES[self.label]


def sar_rng(seed: int, split: str, label: int, index: int) -> np.random.Generator:
    """The generator of one SAR demo image, keyed by (seed, split, class, index): an image does not depend on
    how many others are generated, nor on the order, and shares no stream with :func:`~.scenes.image_rng`."""
    return np.random.default_rng([int(seed), SAR_STREAM, SPLIT_IDS[split], int(label), int(index)])


def speckle(reflectivity: np.ndarray, looks: float, rng: np.random.Generator) -> np.ndarray:
    """Multiply an intensity image by L-look speckle, ``Gamma(shape=L, scale=1/L)`` per pixel (mean 1,
    variance 1/L). Returns float32."""
    if not looks > 0:
        raise ValueError(f'speckle: looks must be > 0, got {looks}')
    noise = rng.gamma(looks, 1. / looks, size=reflectivity.shape)
    return (reflectivity * noise).astype(np.float32)


def display(intensity: np.ndarray, mode: str = 'sqrt') -> np.ndarray:
    """Map a linear intensity image to uint8: ``'sqrt'`` (linear amplitude, :data:`AMPLITUDE_FULL_SCALE` shown
    as 255) or ``'log'`` (dB, :data:`LOG_RANGE_DB` mapped to [0, 255]); values outside the range clip."""
    if mode == 'sqrt':
        out = 255. * np.sqrt(np.maximum(intensity, 0) / AMPLITUDE_FULL_SCALE)
    elif mode == 'log':
        low, high = LOG_RANGE_DB
        out = (10. * np.log10(np.maximum(intensity, 1e-12)) - low) * (255. / (high - low))
    else:
        raise ValueError(f'display: mode must be one of {DISPLAYS}, got {mode!r}')
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _texture(rng: np.random.Generator, size: int) -> np.ndarray:
    """A smooth positive field of mean about 1: :data:`CLUTTER_TEXTURE` relative std on a coarse grid,
    bilinearly interpolated to ``size`` x ``size``."""
    coarse = np.clip(1. + CLUTTER_TEXTURE * rng.standard_normal((TEXTURE_CELLS + 1, TEXTURE_CELLS + 1)), 0.3, None)
    pos = np.linspace(0., TEXTURE_CELLS, size)
    i0 = np.minimum(pos.astype(int), TEXTURE_CELLS - 1)
    frac = pos - i0
    rows = coarse[i0] * (1 - frac)[:, None] + coarse[i0 + 1] * frac[:, None]  # [size, cells + 1]
    return rows[:, i0] * (1 - frac)[None] + rows[:, i0 + 1] * frac[None]


def _shifted(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """``image`` moved by (dx, dy) pixels (x right, y down), zeros shifted in."""
    out = np.zeros_like(image)
    h, w = image.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = image[max(-dy, 0):h - max(dy, 0),
                                                                     max(-dx, 0):w - max(dx, 0)]
    return out


def render_sar_scene(rng: np.random.Generator, size: int = 64, label: Optional[int] = None, mode: str = 'sqrt',
                     supersample: int = 2) -> SarScene:
    """A SAR-like classification image of class ``label`` (random when None); see the module docstring.

    Per image: the cell size (:data:`CELL`), grid offset and target size (:data:`FILL`), the target and the
    clutter reflectivity, the illumination direction and shadow length, the clutter texture and the looks.
    """
    if mode not in DISPLAYS:
        raise ValueError(f'render_sar_scene: mode must be one of {DISPLAYS}, got {mode!r}')
    if label is None:
        label = int(rng.integers(len(CLASSES)))
    step = rng.uniform(*CELL)
    offset = rng.uniform(0, step, size=2)
    base = rng.uniform(*FILL)
    target_level, clutter_level = rng.uniform(*TARGET_LEVELS), rng.uniform(*CLUTTER_LEVELS)
    glyphs = glyph_grid(rng, size, label, step, offset, base, JITTER, level=target_level)
    target = np.zeros((size, size), np.float32)
    for glyph in glyphs:
        np.maximum(target, rasterize(glyph, size, supersample), out=target)
    if not (target >= 0.5).any():
        raise RuntimeError(f'No {CLASSES[label]} target is visible in a {size}x{size} image')
    angle, length = rng.uniform(0, 2 * np.pi), rng.uniform(*SHADOW_LENGTH) * step
    shadow = np.clip(_shifted(target, int(round(length * np.cos(angle))), int(round(length * np.sin(angle))))
                     - target, 0, 1)
    clutter = clutter_level * _texture(rng, size) * (1 - (1 - SHADOW_LEVEL) * shadow)
    reflectivity = (clutter * (1 - target) + target_level * target).astype(np.float32)
    looks = float(rng.uniform(*LOOKS))
    intensity = speckle(reflectivity, looks, rng)
    return SarScene(image=display(intensity, mode), reflectivity=reflectivity, intensity=intensity, looks=looks,
                    label=int(label), target=target, glyphs=glyphs)


def write_sar_set(root: str, num_train_per_class: int = 200, num_val_per_class: int = 100, image_size: int = 64,
                  seed: int = 0, mode: str = 'sqrt') -> dict:
    """Write ``root/{train,val}/<class_name>/<index>.png`` (8-bit grayscale) with :func:`render_sar_scene`, in
    mmpretrain's ``CustomDataset`` folder layout. The same arguments give byte-identical files. Returns a
    summary."""
    if mode not in DISPLAYS:
        raise ValueError(f'write_sar_set: mode must be one of {DISPLAYS}, got {mode!r}')
    counts = {'train': int(num_train_per_class), 'val': int(num_val_per_class)}
    width = index_width(*counts.values())
    looks = []
    for split, count in counts.items():
        for label, name in enumerate(CLASSES):
            folder = osp.join(root, split, name)
            os.makedirs(folder, exist_ok=True)
            for index in range(count):
                scene = render_sar_scene(sar_rng(seed, split, label, index), image_size, label=label, mode=mode)
                save_png(scene.image, osp.join(folder, f'{index:0{width}d}.png'))
                looks.append(scene.looks)
    return dict(
        root=root, classes=list(CLASSES), image_size=int(image_size), seed=int(seed), channels=1, mode=mode,
        looks_range=list(LOOKS), mean_looks=float(np.mean(looks)) if looks else None,
        num_train_per_class=counts['train'], num_val_per_class=counts['val'],
        num_train=counts['train'] * len(CLASSES), num_val=counts['val'] * len(CLASSES))
