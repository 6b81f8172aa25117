# Copyright (c) mmjepa contributors. All rights reserved.
"""A 3DIEBench-like demo set for seq-JEPA (https://arxiv.org/abs/2505.03176): coloured polyhedra of a few
classes rendered under known 3-D rotations.

Each object (a class's polyhedron with per-axis scale jitter) has its faces coloured from one palette shared by
all classes (face ``k`` gets hue ``k / 8`` plus a small per-object offset), so that no rotation symmetry survives
and, as for ShapeNet's aligned models in 3DIEBench, an object's pose is readable from one view while its class is
in its shape only. It is rendered under ``views_per_object`` rotations with Euler angles uniform in
[-pi/2, pi/2] each (3DIEBench's range) by a small numpy z-buffer rasteriser (orthographic camera along -z,
Lambertian light, 2x supersampling) on a grey floor of random hue. The layout is 3DIEBench's (facebookresearch/SIE; read by seq-JEPA's official loader)::

    <root>/<class>/<object>/image_<k>.jpg      one view
    <root>/<class>/<object>/latent_<k>.npy     float32 [7]: Euler angles 'xyz' (extrinsic, radians), floor hue,
                                               spot theta, spot phi, light hue (3DIEBench's order; 0 if unused)
    <root>/{train,val}_images.npy              '/<class>/<object>' per object; {train,val}_labels.npy: class ids

Only numpy and Pillow are needed (``tools/dataset_converters/make_demo_data.py`` loads this package by path).
"""
import os
import os.path as osp
from typing import Dict, Tuple

import numpy as np
from PIL import Image

from .scenes import SPLIT_IDS

OBJECTS_STREAM = 300  # mixed into the per-object seeds: no draws shared with the other demo sets
LIGHT = np.array([0.4, 0.5, 0.77])  # direction towards the light (camera looks along -z)
BACKGROUND_LEVEL = 0.45
HUE_JITTER = 0.04  # per-object offset of the shared face palette


def _prism(sides: int, height: float) -> Tuple[np.ndarray, list]:
    angles = np.arange(sides) * 2 * np.pi / sides
    ring = np.stack([np.cos(angles), np.sin(angles)], 1)
    verts = np.concatenate([np.c_[ring, -height * np.ones(sides)], np.c_[ring, height * np.ones(sides)]])
    faces = [list(range(sides))[::-1], list(range(sides, 2 * sides))]
    faces += [[i, (i + 1) % sides, sides + (i + 1) % sides, sides + i] for i in range(sides)]
    return verts, faces


def _pyramid(sides: int, height: float) -> Tuple[np.ndarray, list]:
    angles = np.arange(sides) * 2 * np.pi / sides
    verts = np.concatenate([np.c_[np.cos(angles), np.sin(angles), -height / 2 * np.ones(sides)],
                            [[0., 0., height]]])
    faces = [list(range(sides))[::-1]] + [[i, (i + 1) % sides, sides] for i in range(sides)]
    return verts, faces


def _octahedron() -> Tuple[np.ndarray, list]:
    verts = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], float)
    faces = [[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4], [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]]
    return verts, faces


# name -> (vertices, faces with counter-clockwise vertex order seen from outside)
SOLIDS: Dict[str, Tuple[np.ndarray, list]] = {
    'cube': _prism(4, 0.7),
    'tri_prism': _prism(3, 0.9),
    'hex_prism': _prism(6, 0.45),
    'pyramid': _pyramid(4, 1.2),
    'octahedron': _octahedron(),
}
OBJECT_CLASSES = tuple(SOLIDS)


def euler_xyz_matrix(angles) -> np.ndarray:
    """Rotation matrix of extrinsic x-y-z Euler angles (scipy's ``Rotation.from_euler('xyz', angles)``):
    ``Rz(c) @ Ry(b) @ Rx(a)``."""
    a, b, c = angles
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return rz @ ry @ rx


def random_euler_xyz(rng: np.random.Generator) -> np.ndarray:
    """Euler angles 'xyz', each uniform in [-pi/2, pi/2] (3DIEBench's rotations)."""
    return rng.uniform(-np.pi / 2, np.pi / 2, size=3)


def hsv_to_rgb(h: float, s: float, v: float) -> np.ndarray:
    k = (np.array([5., 3., 1.]) + h * 6) % 6
    return v - v * s * np.clip(np.minimum(k, 4 - k), 0, 1)


def render_object(verts: np.ndarray, faces: list, colours: np.ndarray, rotation: np.ndarray, floor: np.ndarray,
                  image_size: int = 32, supersample: int = 2) -> np.ndarray:
    """HxWx3 uint8 RGB of the solid ``verts`` (object frame, within the unit ball) rotated by ``rotation``."""
    size = image_size * supersample
    v = verts @ rotation.T
    px = (v[:, 0] * 0.42 + 0.5) * size  # the unit ball fills 84 % of the view
    py = (0.5 - v[:, 1] * 0.42) * size
    image = np.broadcast_to(floor, (size, size, 3)).copy()
    depth = np.full((size, size), -np.inf)
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    for face, colour in zip(faces, colours):
        normal = np.cross(v[face[1]] - v[face[0]], v[face[2]] - v[face[0]])
        normal /= np.linalg.norm(normal)
        if normal[2] <= 0:  # back face
            continue
        shade = colour * (0.35 + 0.65 * max(0., float(normal @ LIGHT)))
        for k in range(1, len(face) - 1):  # fan triangulation
            tri = [face[0], face[k], face[k + 1]]
            x0, y0 = px[tri], py[tri]
            area = (x0[1] - x0[0]) * (y0[2] - y0[0]) - (x0[2] - x0[0]) * (y0[1] - y0[0])
            if abs(area) < 1e-9:
                continue
            c0, c1 = int(max(0, np.floor(x0.min()))), int(min(size, np.ceil(x0.max()) + 1))
            r0, r1 = int(max(0, np.floor(y0.min()))), int(min(size, np.ceil(y0.max()) + 1))
            bx, by = xs[r0:r1, c0:c1], ys[r0:r1, c0:c1]
            w1 = ((bx - x0[0]) * (y0[2] - y0[0]) - (x0[2] - x0[0]) * (by - y0[0])) / area
            w2 = ((x0[1] - x0[0]) * (by - y0[0]) - (bx - x0[0]) * (y0[1] - y0[0])) / area
            w0 = 1 - w1 - w2
            inside = (w0 >= 0) & (w1 >= 0) & (w2 >= 0)
            z = w0 * v[tri[0], 2] + w1 * v[tri[1], 2] + w2 * v[tri[2], 2]
            win = inside & (z > depth[r0:r1, c0:c1])
            depth[r0:r1, c0:c1][win] = z[win]
            image[r0:r1, c0:c1][win] = shade
    image = image.reshape(image_size, supersample, image_size, supersample, 3).mean(axis=(1, 3))
    return np.clip(np.round(image * 255), 0, 255).astype(np.uint8)


def object_rng(seed: int, split: str, label: int, index: int) -> np.random.Generator:
    """The generator of one demo object, keyed by (seed, split, class, index)."""
    return np.random.default_rng([int(seed), OBJECTS_STREAM, SPLIT_IDS[split], int(label), int(index)])


def render_object_views(label: int, rng: np.random.Generator, views: int, image_size: int = 32):
    """``(images [V, H, W, 3] uint8 RGB, latents [V, 7] float32)`` of one random object of class ``label``."""
    verts, faces = SOLIDS[OBJECT_CLASSES[label]]
    verts = verts * rng.uniform(0.8, 1.2, size=3)
    verts = verts / np.linalg.norm(verts, axis=1).max()
    offset = rng.uniform(-HUE_JITTER, HUE_JITTER)
    colours = np.stack([hsv_to_rgb((k / 8 + offset) % 1, rng.uniform(0.7, 1.), rng.uniform(0.8, 1.))
                        for k in range(len(faces))])
    floor_hue = rng.uniform()
    floor = hsv_to_rgb(floor_hue, 0.25, BACKGROUND_LEVEL)
    images, latents = [], []
    for _ in range(views):
        angles = random_euler_xyz(rng)
        images.append(render_object(verts, faces, colours, euler_xyz_matrix(angles), floor, image_size))
        latents.append(np.r_[angles, floor_hue, 0., 0., 0.].astype(np.float32))
    return np.stack(images), np.stack(latents)


def write_objects3d_set(root: str, train_per_class: int = 100, val_per_class: int = 40, views_per_object: int = 12,
                        image_size: int = 32, seed: int = 0) -> dict:
    """Write the set under ``root`` in the 3DIEBench layout (module docstring); returns a summary."""
    counts = {}
    for split, per_class in (('train', train_per_class), ('val', val_per_class)):
        paths, labels = [], []
        for label, name in enumerate(OBJECT_CLASSES):
            for index in range(per_class):
                rel = f'/{name}/{split}_{index:04d}'
                folder = osp.join(root, rel[1:])
                os.makedirs(folder, exist_ok=True)
                images, latents = render_object_views(label, object_rng(seed, split, label, index),
                                                      views_per_object, image_size)
                for k, (image, latent) in enumerate(zip(images, latents)):
                    Image.fromarray(image).save(osp.join(folder, f'image_{k}.jpg'), quality=95)
                    np.save(osp.join(folder, f'latent_{k}.npy'), latent)
                paths.append(rel)
                labels.append(label)
        np.save(osp.join(root, f'{split}_images.npy'), np.array(paths))
        np.save(osp.join(root, f'{split}_labels.npy'), np.array(labels, dtype=np.int64))
        counts[f'num_{split}'] = len(paths)
    return dict(counts, views_per_object=views_per_object, classes=list(OBJECT_CLASSES))
