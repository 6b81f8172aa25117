# Copyright (c) mmjepa contributors. All rights reserved.
"""Demo scenes: light shapes on a dark, flat background, with their visible masks.

A :class:`Scene` holds the RGB image and its objects, each with a class id, the binary mask of what is
visible of it (occlusion applied) and the mask's tight bounding box, so classification folders, semantic maps
(ADE20K layout) and instance annotations (COCO layout) are all written from the same scenes.

The class is carried by shape alone and the nuisances are kept small next to it: the background is one dark
grey level, the objects light grey levels, with a slight colour tint and a little pixel noise; size, position,
and rotation vary. A classification image is a texture of one class's glyph (:func:`render_class_scene`), so a
random crop of it, or a JEPA context block, holds the shape many times. The dense-task scenes
(:func:`render_multi_object_scene`) hold a few larger objects of random classes.
"""
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .shapes import CLASSES, SHAPES, ShapeSpec, mask_bbox, rasterize

# Split ids mixed into the per-image seeds, so train and val never share an image.
SPLIT_IDS = {'train': 0, 'val': 1, 'test': 2}

BACKGROUND_LEVELS = (10., 60.)  # the flat background's grey level
OBJECT_LEVELS = (190., 250.)  # each object's grey level
TINT = 8.  # each of R, G, B moves by up to this from the grey level (background and each object)
NOISE = 3.  # std of the per-pixel Gaussian noise


@dataclass
class SceneObject:
    """An object of a :class:`Scene`: class id, visible mask (HxW bool), tight bbox of the mask
    ``(x, y, w, h)`` in pixels, and the :class:`ShapeSpec` it was drawn from."""
    label: int
    mask: np.ndarray
    bbox: Tuple[int, int, int, int]
    spec: ShapeSpec

    @property
    def name(self) -> str:
        return CLASSES[self.label]

    @property
    def area(self) -> int:
        return int(self.mask.sum())


@dataclass
class Scene:
    """A rendered scene: ``image`` (HxWx3 uint8 RGB) and its ``objects`` in drawing order (back to front).
    ``main`` is the index of the largest object in classification scenes (None otherwise)."""
    image: np.ndarray
    objects: List[SceneObject] = field(default_factory=list)
    main: Optional[int] = None

    @property
    def label(self) -> int:
        """Class id of the main object (the classification label)."""
        if self.main is None:
            raise ValueError('This scene has no main object')
        return self.objects[self.main].label

    def semantic_map(self, background: int = 0, offset: int = 1) -> np.ndarray:
        """HxW uint8 map: ``background`` where no object is visible, ``label + offset`` elsewhere."""
        out = np.full(self.image.shape[:2], background, dtype=np.uint8)
        for obj in self.objects:
            out[obj.mask] = obj.label + offset
        return out

    def instance_map(self) -> np.ndarray:
        """HxW int32 map: 0 for the background, ``i + 1`` where object ``i`` is visible."""
        out = np.zeros(self.image.shape[:2], dtype=np.int32)
        for i, obj in enumerate(self.objects):
            out[obj.mask] = i + 1
        return out


def _tinted(rng: np.random.Generator, levels: Tuple[float, float]) -> np.ndarray:
    """An RGB colour: a grey level drawn from ``levels`` with each channel moved by up to :data:`TINT`."""
    return (rng.uniform(*levels) + rng.uniform(-TINT, TINT, size=3)).astype(np.float32)


def random_shape(rng: np.random.Generator, size: int, label: int, scale: Tuple[float, float],
                 inside: float = 0.9) -> ShapeSpec:
    """A random object of class ``label``: circumradius ``scale`` x ``size`` (uniform), the centre such that
    at least about ``inside`` of the radius lies in the image, aspect jitter and rotation. Its grey level is
    left to :func:`compose_scene`."""
    radius = rng.uniform(*scale) * size
    margin = min(radius * inside, size / 2)
    cx, cy = rng.uniform(margin, size - margin, size=2)
    scale_u, scale_v = rng.uniform(0.85, 1.15, size=2)
    return ShapeSpec(label=int(label), cx=float(cx), cy=float(cy), radius=float(radius),
                     angle=float(rng.uniform(0, 2 * np.pi)), scale_u=float(scale_u), scale_v=float(scale_v))


def _visible_objects(specs: Sequence[ShapeSpec], coverages: Sequence[np.ndarray]) -> List[SceneObject]:
    """The objects of ``specs`` (drawn back to front with these ``coverages``) that keep a visible pixel: each
    mask is the pixels its object covers by at least half, minus those covered by the objects drawn after it."""
    visible = [None] * len(specs)
    hidden = np.zeros(coverages[0].shape if coverages else (0, 0), dtype=bool)
    for i in reversed(range(len(specs))):
        mask = coverages[i] >= 0.5
        visible[i] = mask & ~hidden
        hidden |= mask
    return [SceneObject(label=spec.label, mask=mask, bbox=mask_bbox(mask), spec=spec)
            for spec, mask in zip(specs, visible) if mask.any()]  # hidden or outside the image: nothing to annotate


def compose_scene(rng: np.random.Generator, size: int, specs: Sequence[ShapeSpec], main: Optional[int] = None,
                  supersample: int = 4) -> Scene:
    """Draw ``specs`` back to front, anti-aliased, over a flat dark background.

    Object colours are drawn here (their grey levels are written back into the specs). An object's mask is
    the set of pixels it covers by at least half, minus those covered by the objects drawn after it; objects
    left with no visible pixel are not listed.
    """
    image = np.broadcast_to(_tinted(rng, BACKGROUND_LEVELS), (size, size, 3)).copy()
    coverages = [rasterize(spec, size, supersample) for spec in specs]
    for spec, cov in zip(specs, coverages):
        color = _tinted(rng, OBJECT_LEVELS)
        spec.level = float(color.mean())
        image += cov[..., None] * (color - image)
    objects = _visible_objects(specs, coverages)
    new_main = next((k for k, obj in enumerate(objects) if obj.spec is specs[main]), None) if main is not None else None
    if main is not None and new_main is None:
        raise RuntimeError('The main object is not visible')
    image += rng.normal(0, NOISE, size=image.shape).astype(np.float32)
    return Scene(image=np.clip(np.rint(image), 0, 255).astype(np.uint8), objects=objects, main=new_main)


def _place(rng: np.random.Generator, size: int, label: int, scale: Tuple[float, float], placed: List[np.ndarray],
           max_overlap: float, tries: int = 30, supersample: int = 4) -> Optional[Tuple[ShapeSpec, np.ndarray]]:
    """Sample a shape whose mask overlaps each already placed mask by at most ``max_overlap`` of the smaller
    of the two and keeps at least half the area of a disc of the smallest radius in the image. None if no
    try succeeds."""
    min_area = max(4, int(0.5 * np.pi * (scale[0] * size)**2))
    for _ in range(tries):
        spec = random_shape(rng, size, label, scale)
        mask = rasterize(spec, size, supersample) >= 0.5
        area = int(mask.sum())
        if area < min_area:
            continue
        if all((mask & other).sum() <= max_overlap * min(area, other.sum()) for other in placed):
            return spec, mask
    return None


def _place_many(rng: np.random.Generator, size: int, labels: Sequence[int], scale: Tuple[float, float],
                max_overlap: float, supersample: int) -> Tuple[List[ShapeSpec], List[np.ndarray]]:
    specs, placed = [], []
    for label in labels:
        found = _place(rng, size, label, scale, placed, max_overlap, supersample=supersample)
        if found is not None:
            specs.append(found[0])
            placed.append(found[1])
    return specs, placed


def _unit_area(name: str, grid: int = 400) -> float:
    """Area of a shape of circumradius 1, estimated on a ``grid`` x ``grid`` raster of [-1, 1]^2."""
    g = (np.arange(grid) + 0.5) / (grid / 2) - 1
    u, v = np.meshgrid(g, g)
    return float(SHAPES[name](u, v).mean() * 4)


# Glyphs are scaled per class so that every class covers the same area (the median class's): the amount of
# ink, hence the mean colour, says nothing about the class.
_AREAS = {name: _unit_area(name) for name in CLASSES}
GLYPH_SCALE = {name: float(np.sqrt(np.median(list(_AREAS.values())) / area)) for name, area in _AREAS.items()}


def glyph_grid(rng: np.random.Generator, size: int, label: int, step: float, offset: np.ndarray, base: float,
               jitter: float, level: float = 255.) -> List[ShapeSpec]:
    """The glyphs of a classification image: a grid of ``step``-pixel cells shifted by ``offset`` (2 pixels),
    one glyph of class ``label`` per cell, drawn column by column. Per glyph: the centre jittered by up to
    ``jitter`` x ``step``, the circumradius ``base`` x ``step`` x :data:`GLYPH_SCALE` times a factor in
    [0.9, 1.1], and a random rotation; every glyph gets the grey ``level``. The grid overhangs the image by a
    cell on each side, so glyphs cut by the border are included."""
    count = int(np.ceil(size / step)) + 1
    scale = base * step * GLYPH_SCALE[CLASSES[label]]
    specs = []
    for i in range(count):
        for j in range(count):
            cx = offset[0] + (i - 0.5) * step + rng.uniform(-jitter, jitter) * step
            cy = offset[1] + (j - 0.5) * step + rng.uniform(-jitter, jitter) * step
            radius = scale * rng.uniform(0.9, 1.1)
            specs.append(ShapeSpec(label=int(label), cx=float(cx), cy=float(cy), radius=float(radius),
                                   angle=float(rng.uniform(0, 2 * np.pi)), level=float(level)))
    return specs


def render_class_scene(rng: np.random.Generator, size: int = 64, label: Optional[int] = None,
                       cell: Tuple[float, float] = (11., 16.), fill: Tuple[float, float] = (0.32, 0.42),
                       jitter: float = 0.15, supersample: int = 2) -> Scene:
    """A classification scene: a jittered grid of small glyphs of ONE class (``label``, random when None).

    Per image: the cell size (``cell``, pixels), the grid's offset, the glyph size (``fill`` x cell, times
    :data:`GLYPH_SCALE`), the background grey and one glyph grey; per glyph: a jitter of the centre by up to
    ``jitter`` x cell, of the size by +-10 % and a random rotation. Every 8x8 patch and every crop then shows
    the class's shape, which a JEPA context predicts its targets from, while the bag of pixel statistics that
    a random encoder averages is the same for every class. ``scene.main`` is the glyph with the largest visible
    area.
    """
    if label is None:
        label = int(rng.integers(len(CLASSES)))
    name = CLASSES[label]
    step = rng.uniform(*cell)
    offset = rng.uniform(0, step, size=2)
    base = rng.uniform(*fill)
    image = np.full((size, size, 3), rng.uniform(*BACKGROUND_LEVELS), np.float32) + rng.uniform(-TINT, TINT, size=3)
    color = rng.uniform(*OBJECT_LEVELS) + rng.uniform(-TINT, TINT, size=3)
    specs = glyph_grid(rng, size, label, step, offset, base, jitter, level=float(color.mean()))
    coverages = []
    for spec in specs:
        cov = rasterize(spec, size, supersample)
        image = image * (1 - cov[..., None]) + color * cov[..., None]
        coverages.append(cov)
    image = image + rng.normal(0, NOISE, size=image.shape)
    objects = _visible_objects(specs, coverages)
    if not objects:
        raise RuntimeError(f'No {name} glyph is visible in a {size}x{size} image')
    return Scene(image=np.clip(np.rint(image), 0, 255).astype(np.uint8), objects=objects,
                 main=int(np.argmax([o.area for o in objects])))


def render_multi_object_scene(rng: np.random.Generator, size: int = 64, num_objects: Tuple[int, int] = (2, 5),
                              scale: Tuple[float, float] = (0.1, 0.25), max_overlap: float = 0.3,
                              supersample: int = 4) -> Scene:
    """A scene of ``num_objects`` (inclusive range) objects of random classes and sizes, for semantic
    segmentation and instance annotations; ``max_overlap`` keeps every object mostly visible."""
    labels = rng.integers(len(CLASSES), size=int(rng.integers(num_objects[0], num_objects[1] + 1)))
    specs, _ = _place_many(rng, size, [int(c) for c in labels], scale, max_overlap, supersample)
    return compose_scene(rng, size, specs, supersample=supersample)


def image_rng(seed: int, split: str, label: int, index: int) -> np.random.Generator:
    """The generator of one classification image, keyed by (seed, split, class, index): an image does not
    depend on how many others are generated, nor on the order."""
    return np.random.default_rng([int(seed), SPLIT_IDS[split], int(label), int(index)])


def scene_rng(seed: int, split: str, index: int, task: str) -> np.random.Generator:
    """The generator of one multi-object scene of ``task`` ('ade' or 'coco'), keyed by (seed, split, index):
    independent of the classification images and of the number of scenes written."""
    return np.random.default_rng([int(seed), 100 + {'ade': 0, 'coco': 1}[task], SPLIT_IDS[split], int(index)])
