# Copyright (c) mmjepa contributors. All rights reserved.
"""Deterministic synthetic demo data: shapes over textured backgrounds.

The core is a scene model (:func:`render_scene`, :func:`render_multi_object_scene`): a :class:`Scene` holds
the RGB image and its objects, each with a class id, the binary mask of what is visible of it (occlusion
applied) and the mask's tight bounding box. Classification sets, semantic maps (ADE20K-style) and instance
annotations (COCO-style) can all be written from the same scenes.

Classes differ in *shape* only: every object gets a random colour, size, position, aspect jitter and
rotation, and backgrounds (gradients, smooth noise, stripes) are drawn independently of the class, so
neither colour nor background gives the label away.

Only numpy and Pillow are used (no torch, no mmengine): the module can be loaded on its own.
"""
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

# Alphabetical, so the label of a class equals its index in mmpretrain's ``CustomDataset`` (which sorts
# the class folders).
CLASSES = ('bar', 'crescent', 'cross', 'disc', 'ring', 'square', 'star', 'triangle')

# Classes whose shape does not change under rotation (their angle is irrelevant).
_ROTATION_INVARIANT = frozenset({'disc', 'ring'})

# Split ids mixed into the per-image seeds, so train and val never share an image.
_SPLIT_IDS = {'train': 0, 'val': 1, 'test': 2}


# --------------------------------------------------------------------------------------------- shapes
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
_SHAPES: Dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
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
assert tuple(sorted(_SHAPES)) == CLASSES


@dataclass
class ShapeSpec:
    """Parameters of one object: class id, centre and circumradius (pixels), rotation (radians), aspect
    scales along the object's own axes, base colour (RGB, 0-255) and linear shading (RGB change per
    circumradius along x and y)."""
    label: int
    cx: float
    cy: float
    radius: float
    angle: float = 0.
    scale_u: float = 1.
    scale_v: float = 1.
    color: Tuple[float, float, float] = (255., 255., 255.)
    shade: Tuple[float, float] = (0., 0.)

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
    inside = _SHAPES[spec.name](u, v).astype(np.float32)
    h, w = y1 - y0, x1 - x0
    coverage[y0:y1, x0:x1] = inside.reshape(h, s, w, s).mean(axis=(1, 3))
    return coverage


def _fill(spec: ShapeSpec, size: int, rng: np.random.Generator) -> np.ndarray:
    """Colour of the object at every pixel (HxWx3 float32): base colour, shading and a little noise."""
    grid = (np.arange(size, dtype=np.float32) + 0.5)
    dx = (grid[None, :] - spec.cx) / spec.radius
    dy = (grid[:, None] - spec.cy) / spec.radius
    shade = spec.shade[0] * dx + spec.shade[1] * dy
    fill = np.asarray(spec.color, np.float32)[None, None, :] + shade[..., None]
    return fill + rng.normal(0, 4, size=(size, size, 3)).astype(np.float32)


# ----------------------------------------------------------------------------------------- background
def _random_color(rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0, 255, size=3).astype(np.float32)


def _coords(size: int) -> Tuple[np.ndarray, np.ndarray]:
    grid = (np.arange(size, dtype=np.float32) + 0.5) / size
    return np.meshgrid(grid, grid)  # x, y in (0, 1)


def _gradient(rng: np.random.Generator, size: int) -> np.ndarray:
    x, y = _coords(size)
    theta = rng.uniform(0, 2 * np.pi)
    t = np.cos(theta) * x + np.sin(theta) * y
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    c1, c2 = _random_color(rng), _random_color(rng)
    return c1 + (c2 - c1) * t[..., None]


def _smooth_noise(rng: np.random.Generator, size: int) -> np.ndarray:
    cells = int(rng.integers(2, 7))
    low = rng.uniform(0, 255, size=(cells, cells, 3)).astype(np.uint8)
    up = Image.fromarray(low, 'RGB').resize((size, size), Image.BICUBIC)
    return np.asarray(up, dtype=np.float32)


def _stripes(rng: np.random.Generator, size: int) -> np.ndarray:
    x, y = _coords(size)
    theta = rng.uniform(0, np.pi)
    freq = rng.uniform(2, 7)
    t = 0.5 + 0.5 * np.sin(2 * np.pi * freq * (np.cos(theta) * x + np.sin(theta) * y) + rng.uniform(0, 2 * np.pi))
    if rng.random() < 0.3:  # hard-edged stripes
        t = (t > 0.5).astype(np.float32)
    c1, c2 = _random_color(rng), _random_color(rng)
    return c1 + (c2 - c1) * t[..., None]


_BACKGROUNDS = (_gradient, _smooth_noise, _stripes)


def random_background(rng: np.random.Generator, size: int,
                      contrast: Tuple[float, float] = (0.3, 0.8)) -> np.ndarray:
    """A random textured background (HxWx3 float32, 0-255): a gradient, smooth colour noise or stripes,
    sometimes blended with a second one, its contrast scaled by a factor drawn from ``contrast``, plus pixel
    noise. Independent of any class."""
    kind = int(rng.integers(len(_BACKGROUNDS)))
    image = _BACKGROUNDS[kind](rng, size)
    if rng.random() < 0.5:
        other = _BACKGROUNDS[int(rng.integers(len(_BACKGROUNDS)))](rng, size)
        alpha = rng.uniform(0.2, 0.5)
        image = (1 - alpha) * image + alpha * other
    # Lower the texture's contrast (towards its mean colour) so that the objects stay the salient structure.
    mean = image.mean(axis=(0, 1), keepdims=True)
    image = mean + rng.uniform(*contrast) * (image - mean)
    sigma = rng.uniform(0, 8)
    return (image + rng.normal(0, sigma, size=image.shape)).astype(np.float32)


# -------------------------------------------------------------------------------------------- scenes
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
    ``main`` is the index of the main object in classification scenes (None otherwise)."""
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


def mask_bbox(mask: np.ndarray) -> Tuple[int, int, int, int]:
    """Tight bbox ``(x, y, w, h)`` of a non-empty binary mask (w, h count pixels)."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        raise ValueError('empty mask')
    x0, y0 = int(xs.min()), int(ys.min())
    return x0, y0, int(xs.max()) - x0 + 1, int(ys.max()) - y0 + 1


def random_shape(rng: np.random.Generator, size: int, label: int, scale: Tuple[float, float],
                 rotate: bool = True, inside: float = 0.9) -> ShapeSpec:
    """A random object of class ``label``: circumradius ``scale`` x ``size`` (uniform), the centre such
    that at least about ``inside`` of the radius lies in the image, aspect jitter, rotation if ``rotate``.
    The colour is left to :func:`compose_scene`."""
    radius = rng.uniform(*scale) * size
    margin = min(radius * inside, size / 2)
    cx, cy = rng.uniform(margin, size - margin, size=2)
    angle = rng.uniform(0, 2 * np.pi) if rotate else 0.
    scale_u, scale_v = rng.uniform(0.85, 1.15, size=2)
    return ShapeSpec(label=int(label), cx=float(cx), cy=float(cy), radius=float(radius), angle=float(angle),
                     scale_u=float(scale_u), scale_v=float(scale_v))


def _pick_color(rng: np.random.Generator, under: np.ndarray, min_contrast: float = 100.,
                tries: int = 16) -> np.ndarray:
    """A random colour that stands out from ``under`` (mean RGB of the background below the object)."""
    best, best_dist = None, -1.
    for _ in range(tries):
        color = _random_color(rng)
        dist = float(np.linalg.norm(color - under))
        if dist >= min_contrast:
            return color
        if dist > best_dist:
            best, best_dist = color, dist
    return best


def compose_scene(rng: np.random.Generator, size: int, specs: Sequence[ShapeSpec],
                  background: Optional[np.ndarray] = None, main: Optional[int] = None,
                  supersample: int = 4) -> Scene:
    """Draw ``specs`` back to front over ``background`` (random when None) with anti-aliased edges.

    Colours and shading are drawn here (random, contrasting with the background below each object) and
    written back into the specs. An object's mask is the set of pixels it covers by at least half, minus
    those covered by the objects drawn after it; objects left with no visible pixel are not listed.
    """
    image = random_background(rng, size) if background is None else np.asarray(background, np.float32).copy()
    coverages = [rasterize(spec, size, supersample) for spec in specs]
    for spec, cov in zip(specs, coverages):
        weight = cov.sum()
        under = (image * cov[..., None]).sum(axis=(0, 1)) / weight if weight > 0 else image.mean(axis=(0, 1))
        spec.color = tuple(float(c) for c in _pick_color(rng, under))
        spec.shade = tuple(float(s) for s in rng.uniform(-40, 40, size=2))
        alpha = cov[..., None]
        image = image * (1 - alpha) + _fill(spec, size, rng) * alpha
    visible = [None] * len(specs)
    hidden = np.zeros((size, size), dtype=bool)
    for i in reversed(range(len(specs))):
        mask = coverages[i] >= 0.5
        visible[i] = mask & ~hidden
        hidden |= mask
    objects, new_main = [], None
    for i, (spec, mask) in enumerate(zip(specs, visible)):
        if not mask.any():  # entirely hidden (or outside the image): nothing of it to annotate
            continue
        if i == main:
            new_main = len(objects)
        objects.append(SceneObject(label=spec.label, mask=mask, bbox=mask_bbox(mask), spec=spec))
    if main is not None and new_main is None:
        raise RuntimeError('The main object is not visible')
    image = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    return Scene(image=image, objects=objects, main=new_main)


def _place(rng: np.random.Generator, size: int, label: int, scale: Tuple[float, float], rotate: bool,
           placed: List[np.ndarray], max_overlap: float, min_area: int, tries: int = 30,
           supersample: int = 4) -> Optional[Tuple[ShapeSpec, np.ndarray]]:
    """Sample a shape whose mask overlaps each already placed mask by at most ``max_overlap`` of the
    smaller of the two, with at least ``min_area`` pixels in the image. None if no try succeeds."""
    for _ in range(tries):
        spec = random_shape(rng, size, label, scale, rotate)
        mask = rasterize(spec, size, supersample) >= 0.5
        area = int(mask.sum())
        if area < min_area:
            continue
        if all((mask & other).sum() <= max_overlap * min(area, other.sum()) for other in placed):
            return spec, mask
    return None


def render_scene(rng: np.random.Generator, size: int = 64, main_class: Optional[int] = None,
                 num_distractors: Tuple[int, int] = (0, 2), main_scale: Tuple[float, float] = (0.25, 0.4),
                 distractor_scale: Tuple[float, float] = (0.08, 0.13), max_overlap: float = 0.2,
                 front_prob: float = 0.3, rotate: bool = True, supersample: int = 4) -> Scene:
    """A classification scene: one large main object (class ``main_class``, random when None) and
    ``num_distractors`` (inclusive range) small objects of other classes, each in front of the main object
    with probability ``front_prob``. ``scene.label`` is the main object's class."""
    if main_class is None:
        main_class = int(rng.integers(len(CLASSES)))
    main_spec = random_shape(rng, size, main_class, main_scale, rotate)
    main_mask = rasterize(main_spec, size, supersample) >= 0.5
    back, front = [], []
    placed = [main_mask]
    others = [c for c in range(len(CLASSES)) if c != main_class]
    for _ in range(int(rng.integers(num_distractors[0], num_distractors[1] + 1))):
        label = others[int(rng.integers(len(others)))]
        found = _place(rng, size, label, distractor_scale, rotate, placed, max_overlap,
                       min_area=max(4, int(0.5 * np.pi * (distractor_scale[0] * size)**2)), supersample=supersample)
        if found is None:
            continue
        placed.append(found[1])
        (front if rng.random() < front_prob else back).append(found[0])
    specs = back + [main_spec] + front
    return compose_scene(rng, size, specs, main=len(back), supersample=supersample)


def render_class_scene(rng: np.random.Generator, size: int = 64, label: Optional[int] = None,
                       num_instances: Tuple[int, int] = (2, 4), scale: Tuple[float, float] = (0.14, 0.26),
                       max_overlap: float = 0.15, rotate: bool = True, supersample: int = 4) -> Scene:
    """A classification scene: ``num_instances`` (inclusive range) objects of ONE class (``label``, random
    when None), each with its own colour, size, position and rotation. What the images of a class share is
    the shape alone, and every image shows it several times: the context of a JEPA mask then predicts
    targets that hold the same shape, which is what the demo's probe reads. ``scene.main`` is the largest."""
    if label is None:
        label = int(rng.integers(len(CLASSES)))
    specs, placed = [], []
    for _ in range(int(rng.integers(num_instances[0], num_instances[1] + 1))):
        found = _place(rng, size, label, scale, rotate, placed, max_overlap,
                       min_area=max(4, int(0.5 * np.pi * (scale[0] * size)**2)), supersample=supersample)
        if found is not None:
            specs.append(found[0])
            placed.append(found[1])
    if not specs:
        raise RuntimeError(f'Could not place any {CLASSES[label]} in a {size}x{size} image')
    main = int(np.argmax([m.sum() for m in placed]))
    return compose_scene(rng, size, specs, main=main, supersample=supersample)


def render_multi_object_scene(rng: np.random.Generator, size: int = 64, num_objects: Tuple[int, int] = (2, 5),
                              scale: Tuple[float, float] = (0.1, 0.25), max_overlap: float = 0.3,
                              rotate: bool = True, supersample: int = 4) -> Scene:
    """A scene of ``num_objects`` (inclusive range) objects of random classes and sizes, for semantic
    segmentation and instance annotations. Overlaps are limited by ``max_overlap`` so every object stays
    mostly visible."""
    specs, placed = [], []
    for _ in range(int(rng.integers(num_objects[0], num_objects[1] + 1))):
        label = int(rng.integers(len(CLASSES)))
        found = _place(rng, size, label, scale, rotate, placed, max_overlap,
                       min_area=max(4, int(0.5 * np.pi * (scale[0] * size)**2)), supersample=supersample)
        if found is not None:
            specs.append(found[0])
            placed.append(found[1])
    return compose_scene(rng, size, specs, supersample=supersample)


def image_rng(seed: int, split: str, label: int, index: int) -> np.random.Generator:
    """The generator of one image, keyed by (seed, split, class, index): an image does not depend on how
    many others are generated, nor on the order."""
    return np.random.default_rng([int(seed), _SPLIT_IDS[split], int(label), int(index)])


# -------------------------------------------------------------------------------------------- writers
def save_png(image: np.ndarray, path: str) -> None:
    """Save an RGB uint8 array as PNG (no metadata, fixed compression: same pixels, same bytes)."""
    Image.fromarray(image, 'RGB').save(path, format='PNG', compress_level=6)


def write_classification_set(root: str, num_train_per_class: int = 150, num_val_per_class: int = 40,
                             image_size: int = 64, seed: int = 0) -> dict:
    """Write a classification set in mmpretrain's ``CustomDataset`` folder layout,
    ``root/{train,val}/<class_name>/<index>.png``: several objects of the image's class, nothing else (see
    :func:`render_class_scene`).

    The same arguments give byte-identical files. Returns a summary dict.
    """
    counts = {'train': int(num_train_per_class), 'val': int(num_val_per_class)}
    width = len(str(max(max(counts.values()) - 1, 0)))
    for split, count in counts.items():
        for label, name in enumerate(CLASSES):
            folder = osp.join(root, split, name)
            os.makedirs(folder, exist_ok=True)
            for index in range(count):
                scene = render_class_scene(image_rng(seed, split, label, index), image_size, label=label)
                save_png(scene.image, osp.join(folder, f'{index:0{width}d}.png'))
    return dict(
        root=root, classes=list(CLASSES), image_size=int(image_size), seed=int(seed),
        num_train_per_class=counts['train'], num_val_per_class=counts['val'],
        num_train=counts['train'] * len(CLASSES), num_val=counts['val'] * len(CLASSES))


# ------------------------------------------------------------------------------- dense-task writers
def scene_rng(seed: int, split: str, index: int, task: str) -> np.random.Generator:
    """The generator of one multi-object scene of ``task`` ('ade' or 'coco'), keyed by (seed, split,
    index): independent of the classification images and of the number of scenes written."""
    return np.random.default_rng([int(seed), 100 + {'ade': 0, 'coco': 1}[task], _SPLIT_IDS[split], int(index)])


def write_segmentation_set(root: str, num_train: int = 400, num_val: int = 100, image_size: int = 64,
                           seed: int = 0) -> dict:
    """Write a semantic-segmentation set in the ADE20K layout, ``root/images/{training,validation}/*.png``
    and ``root/annotations/{training,validation}/*.png`` (uint8 label maps).

    Label semantics are ADE20K's with ``reduce_zero_label=True``: 0 is the background ("other", ignored
    after the reduction) and ``c + 1`` is :data:`CLASSES` ``[c]``, so the reduced labels are 0..7.
    """
    counts = {'training': ('train', int(num_train)), 'validation': ('val', int(num_val))}
    width = len(str(max(max(c for _, c in counts.values()) - 1, 0)))
    for folder, (split, count) in counts.items():
        img_dir, ann_dir = osp.join(root, 'images', folder), osp.join(root, 'annotations', folder)
        os.makedirs(img_dir, exist_ok=True)
        os.makedirs(ann_dir, exist_ok=True)
        for index in range(count):
            scene = render_multi_object_scene(scene_rng(seed, split, index, 'ade'), image_size)
            name = f'{index:0{width}d}.png'
            save_png(scene.image, osp.join(img_dir, name))
            Image.fromarray(scene.semantic_map(background=0, offset=1), 'L').save(
                osp.join(ann_dir, name), format='PNG', compress_level=6)
    return dict(root=root, classes=list(CLASSES), image_size=int(image_size), seed=int(seed),
                num_train=counts['training'][1], num_val=counts['validation'][1], reduce_zero_label=True)


def mask_to_rle(mask: np.ndarray) -> dict:
    """COCO *uncompressed* RLE of a binary HxW mask (column-major run lengths, starting with zeros);
    pycocotools reads it with ``frPyObjects``."""
    flat = np.asarray(mask, dtype=np.uint8).flatten(order='F')
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(bounds).tolist()
    if flat.size and flat[0] == 1:
        runs = [0] + runs
    return dict(size=[int(mask.shape[0]), int(mask.shape[1])], counts=[int(r) for r in runs])


def coco_instances(scene: 'Scene', image_id: int, first_ann_id: int) -> List[dict]:
    """COCO ``annotations`` entries of a scene: bbox ``[x, y, w, h]``, uncompressed-RLE segmentation,
    area (pixels), ``category_id`` = label + 1."""
    anns = []
    for i, obj in enumerate(scene.objects):
        anns.append(dict(id=first_ann_id + i, image_id=int(image_id), category_id=obj.label + 1,
                         bbox=[float(v) for v in obj.bbox], area=float(obj.area), iscrowd=0,
                         segmentation=mask_to_rle(obj.mask)))
    return anns


def write_coco_set(root: str, num_train: int = 400, num_val: int = 100, image_size: int = 64,
                   seed: int = 0) -> dict:
    """Write an instance-segmentation set in the COCO layout: ``root/{train,val}/*.png`` and
    ``root/annotations/instances_{train,val}.json`` (boxes and uncompressed-RLE masks, category ids
    1..8 named after :data:`CLASSES`). Images without any object are still listed."""
    import json
    categories = [dict(id=i + 1, name=name, supercategory='shape') for i, name in enumerate(CLASSES)]
    counts = {'train': int(num_train), 'val': int(num_val)}
    width = len(str(max(max(counts.values()) - 1, 0)))
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    num_anns = {}
    for split, count in counts.items():
        os.makedirs(osp.join(root, split), exist_ok=True)
        images, anns = [], []
        for index in range(count):
            scene = render_multi_object_scene(scene_rng(seed, split, index, 'coco'), image_size)
            name = f'{index:0{width}d}.png'
            save_png(scene.image, osp.join(root, split, name))
            images.append(dict(id=index + 1, file_name=name, height=int(image_size), width=int(image_size)))
            anns.extend(coco_instances(scene, index + 1, len(anns) + 1))
        with open(osp.join(root, 'annotations', f'instances_{split}.json'), 'w') as f:
            json.dump(dict(info=dict(description='mmjepa demo shapes'), images=images, annotations=anns,
                           categories=categories), f)
        num_anns[split] = len(anns)
    return dict(root=root, classes=list(CLASSES), image_size=int(image_size), seed=int(seed),
                num_train=counts['train'], num_val=counts['val'], num_train_instances=num_anns['train'],
                num_val_instances=num_anns['val'])
