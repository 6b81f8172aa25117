# Copyright (c) mmjepa contributors. All rights reserved.
"""The eight demo shape classes and their anti-aliased rasteriser (numpy only)."""
from dataclasses import dataclass
from typing import Callable, Dict, Tuple

import numpy as np

# Alphabetical, so the label of a class equals its index in mmpretrain's ``CustomDataset`` (which sorts
# the class folders).
CLASSES = ('bar', 'crescent', 'cross', 'disc', 'ring', 'square', 'star', 'triangle')


def _polygon_inside(u: np.ndarray, v: np.ndarray, verts: np.ndarray) -> np.ndarray:
    """Even-odd point-in-polygon test of the points (u, v) against ``verts`` ([K, 2])."""
    inside = np.zeros(u.shape, dtype=bool)
    x1, y1 = verts[-1]
    for x2, y2 in verts:
        crosses = (y1 > v) != (y2 > v)
        with np.errstate(divide='ignore', invalid='ignore'):
            x_at = (x2 - x1) * (v - y1) / (y2 - y1) + x1
        inside ^= crosses & (u < x_at)
        x1, y1 = x2, y2
    return inside


def _regular_star(points: int, outer: float, inner: float) -> np.ndarray:
    angles = -np.pi / 2 + np.arange(2 * points) * np.pi / points
    radii = np.where(np.arange(2 * points) % 2 == 0, outer, inner)
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


_TRIANGLE = np.array([[np.cos(a), np.sin(a)] for a in np.deg2rad([-90, 30, 150])])
_STAR = _regular_star(5, 1.0, 0.42)

# Each shape is a predicate on local coordinates (u, v), the object's circumradius being 1.
SHAPES: Dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    'bar': lambda u, v: (np.abs(u) <= 0.95) & (np.abs(v) <= 0.28),
    'crescent': lambda u, v: (u * u + v * v <= 1.0) & ((u - 0.5)**2 + v * v > 0.64),
    'cross': lambda u, v: (((np.abs(u) <= 0.3) & (np.abs(v) <= 0.95)) |
                           ((np.abs(v) <= 0.3) & (np.abs(u) <= 0.95))),
    'disc': lambda u, v: u * u + v * v <= 0.92**2,
    'ring': lambda u, v: (u * u + v * v <= 0.95**2) & (u * u + v * v >= 0.55**2),
    'square': lambda u, v: np.maximum(np.abs(u), np.abs(v)) <= 0.7,
    'star': lambda u, v: _polygon_inside(u, v, _STAR),
    'triangle': lambda u, v: _polygon_inside(u, v, _TRIANGLE),
}
assert tuple(sorted(SHAPES)) == CLASSES


@dataclass
class ShapeSpec:
    """One object: class id, centre and circumradius (pixels), rotation (radians), aspect scales along the
    object's own axes and its grey level (0-255; :func:`~.scenes.compose_scene` draws it)."""
    label: int
    cx: float
    cy: float
    radius: float
    angle: float = 0.
    scale_u: float = 1.
    scale_v: float = 1.
    level: float = 255.

    @property
    def name(self) -> str:
        return CLASSES[self.label]

    def window(self, size: int) -> Tuple[int, int, int, int]:
        """Pixel window (x0, y0, x1, y1), clipped to the image, that contains the object."""
        r = self.radius * max(self.scale_u, self.scale_v) + 1
        x0, y0 = max(int(np.floor(self.cx - r)), 0), max(int(np.floor(self.cy - r)), 0)
        x1, y1 = min(int(np.ceil(self.cx + r)), size), min(int(np.ceil(self.cy + r)), size)
        return x0, y0, max(x1, x0), max(y1, y0)


def rasterize(spec: ShapeSpec, size: int, supersample: int = 4) -> np.ndarray:
    """Coverage of ``spec`` on a ``size`` x ``size`` image (float32 in [0, 1]), estimated with
    ``supersample`` x ``supersample`` samples per pixel."""
    coverage = np.zeros((size, size), dtype=np.float32)
    x0, y0, x1, y1 = spec.window(size)
    if x1 <= x0 or y1 <= y0:
        return coverage
    s = supersample
    offsets = (np.arange(s) + 0.5) / s
    xs = (np.arange(x0, x1)[:, None] + offsets[None, :]).reshape(-1)
    ys = (np.arange(y0, y1)[:, None] + offsets[None, :]).reshape(-1)
    dx, dy = (xs[None, :] - spec.cx) / spec.radius, (ys[:, None] - spec.cy) / spec.radius
    cos, sin = np.cos(spec.angle), np.sin(spec.angle)
    u = (cos * dx + sin * dy) / spec.scale_u
    v = (-sin * dx + cos * dy) / spec.scale_v
    inside = SHAPES[spec.name](u, v).astype(np.float32)
    h, w = y1 - y0, x1 - x0
    coverage[y0:y1, x0:x1] = inside.reshape(h, s, w, s).mean(axis=(1, 3))
    return coverage


def mask_bbox(mask: np.ndarray) -> Tuple[int, int, int, int]:
    """Tight bbox ``(x, y, w, h)`` of a non-empty binary mask (w, h count pixels)."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        raise ValueError('empty mask')
    x0, y0 = int(xs.min()), int(ys.min())
    return x0, y0, int(xs.max()) - x0 + 1, int(ys.max()) - y0 + 1
