# Copyright (c) mmjepa contributors. All rights reserved.
"""A synthetic LiDAR set in the raw KITTI object layout (no download), for AD-L-JEPA's CPU demo and the demo
PointPillars detectors: flat ground about 1.73 m below the sensor, cars, pedestrians and cyclists as boxes in
the front camera's field of view, walls and poles as clutter, each surface sampled as a spinning LiDAR sees it
(fewer points farther away, only the faces turned to the sensor, the ground shadowed behind objects)::

    <root>/ImageSets/{train,val,test}.txt
    <root>/training/velodyne/000000.bin   float32 x y z intensity, LiDAR frame (x forward, y left, z up)
    <root>/training/label_2/000000.txt    KITTI labels in the camera frame (type ... h w l x y z rotation_y)
    <root>/training/calib/000000.txt      P0-P3, R0_rect, Tr_velo_to_cam, Tr_imu_to_velo
    <root>/training/image_2/000000.png    a grey frame of KITTI's size (the converter reads its size)
    <root>/testing/...                    the same without labels

mmdet3d's own converter turns the folder into its info files (:func:`mmjepa.det3d.kitti_infos.create_kitti_infos`).
The camera is the LiDAR turned to the camera axes (x right, y down, z forward), so the calibration is exact.
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np

FORMAT_VERSION = 1  # bump when the scans or labels change, so make_demo_data.py rewrites old sets
SENSOR_HEIGHT = 1.73  # m above the ground, as KITTI's Velodyne
IMAGE_SIZE = (1242, 375)  # (width, height) of KITTI's image_2 frames (the converter reads it; 2-D box heights set
FOCAL = 721.5  # the evaluation's difficulty, so KITTI's own camera keeps its easy / moderate / hard split)
# class -> (length, width, height) mean and the spread of each (m), KITTI's typical sizes
CLASS_SIZES: Dict[str, Tuple[Tuple[float, float, float], float]] = {
    'Car': ((3.9, 1.6, 1.56), 0.08),
    'Pedestrian': ((0.8, 0.6, 1.73), 0.1),
    'Cyclist': ((1.76, 0.6, 1.73), 0.08),
}
CLASS_WEIGHTS = {'Car': 0.5, 'Pedestrian': 0.3, 'Cyclist': 0.2}
# LiDAR axes -> camera axes: x_cam = -y, y_cam = -z, z_cam = x
VELO_TO_CAM = np.array([[0., -1., 0., 0.], [0., 0., -1., 0.], [1., 0., 0., 0.]])


@dataclass
class LidarBox:
    """A box standing on the ground, LiDAR frame: bottom centre ``(x, y)``, size ``(l, w, h)``, yaw about z."""
    name: str
    x: float
    y: float
    size: Tuple[float, float, float]
    yaw: float

    def footprint(self) -> np.ndarray:
        """The four BEV corners [4, 2]."""
        length, width, _ = self.size
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        local = np.array([[1, 1], [1, -1], [-1, -1], [-1, 1]]) * [length / 2, width / 2]
        return local @ np.array([[c, s], [-s, c]]) + [self.x, self.y]

    def contains_bev(self, xy: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """Whether each point [N, 2] lies in the footprint grown by ``margin``."""
        length, width, _ = self.size
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        d = xy - [self.x, self.y]
        along, across = d[:, 0] * c + d[:, 1] * s, -d[:, 0] * s + d[:, 1] * c
        return (np.abs(along) <= length / 2 + margin) & (np.abs(across) <= width / 2 + margin)


def calib_matrices() -> Dict[str, np.ndarray]:
    """The demo camera: P2 of the small image, identity rectification, the axis swap of :data:`VELO_TO_CAM`."""
    width, height = IMAGE_SIZE
    p = np.array([[FOCAL, 0., width / 2, 0.], [0., FOCAL, height / 2, 0.], [0., 0., 1., 0.]])
    return dict(P0=p, P1=p, P2=p, P3=p, R0_rect=np.eye(3), Tr_velo_to_cam=VELO_TO_CAM,
                Tr_imu_to_velo=np.hstack([np.eye(3), np.zeros((3, 1))]))


def in_camera_view(x: np.ndarray, y: np.ndarray, margin_px: float = 0.0) -> np.ndarray:
    """Whether LiDAR-frame points project inside the image columns (the camera looks along +x)."""
    half = (IMAGE_SIZE[0] / 2 - margin_px) / FOCAL
    return (x > 0.5) & (np.abs(y) < x * half)


def sample_boxes(rng: np.random.Generator, num: int, x_range: Tuple[float, float],
                 y_limit: float) -> List[LidarBox]:
    """``num`` non-overlapping labelled boxes, whole in the camera view and in the given BEV range."""
    names, weights = list(CLASS_WEIGHTS), np.array(list(CLASS_WEIGHTS.values()))
    boxes: List[LidarBox] = []
    for _ in range(num * 30):
        if len(boxes) == num:
            break
        name = names[rng.choice(len(names), p=weights / weights.sum())]
        mean, spread = CLASS_SIZES[name]
        size = tuple(float(v) for v in np.asarray(mean) * (1 + spread * rng.standard_normal(3).clip(-2, 2)))
        box = LidarBox(name, float(rng.uniform(*x_range)), float(rng.uniform(-y_limit, y_limit)), size,
                       float(rng.uniform(-np.pi, np.pi)))
        corners = box.footprint()
        if not in_camera_view(corners[:, 0], corners[:, 1], margin_px=4).all():
            continue
        if np.abs(corners[:, 1]).max() > y_limit or corners[:, 0].min() < x_range[0] - 1:
            continue
        if any(np.hypot(box.x - b.x, box.y - b.y) < (max(box.size[:2]) + max(b.size[:2])) / 2 + 0.5 for b in boxes):
            continue
        boxes.append(box)
    return boxes


def box_surface_points(rng: np.random.Generator, box: LidarBox, density: float) -> np.ndarray:
    """Points [N, 3] on the faces of ``box`` turned to the sensor (the sides and the top), about
    ``density / range**2`` per square metre, as a spinning LiDAR returns them."""
    length, width, height = box.size
    c, s = np.cos(box.yaw), np.sin(box.yaw)
    heading, side = np.array([c, s, 0.]), np.array([-s, c, 0.])
    up = np.array([0., 0., 1.])
    centre = np.array([box.x, box.y, -SENSOR_HEIGHT + height / 2])
    # (normal, the box's half extent along it, first in-face axis and its extent, second axis and its extent) of
    # the five faces seen from above
    faces = [(heading, length / 2, side, width, up, height), (-heading, length / 2, side, width, up, height),
             (side, width / 2, heading, length, up, height), (-side, width / 2, heading, length, up, height),
             (up, height / 2, heading, length, side, width)]
    points = []
    for normal, half, u, du, v, dv in faces:
        face_centre = centre + normal * half
        if normal @ (-face_centre) <= 0:  # turned away from the sensor at the origin
            continue
        count = rng.poisson(density * du * dv / max(float(face_centre @ face_centre), 1.0))
        a, b = rng.uniform(-0.5, 0.5, (2, count))
        points.append(face_centre + a[:, None] * du * u + b[:, None] * dv * v)
    return np.concatenate(points) if points else np.zeros((0, 3))


def shadowed(xy: np.ndarray, boxes: Sequence[LidarBox]) -> np.ndarray:
    """Whether ground points [N, 2] lie in the LiDAR shadow of a box (behind it, within its angular extent,
    out to where rays over its top meet the ground)."""
    hidden = np.zeros(len(xy), dtype=bool)
    r, phi = np.hypot(xy[:, 0], xy[:, 1]), np.arctan2(xy[:, 1], xy[:, 0])
    for box in boxes:
        corners = box.footprint()
        angles = np.arctan2(corners[:, 1], corners[:, 0])
        ranges = np.hypot(corners[:, 0], corners[:, 1])
        near, far = ranges.min(), ranges.max()
        height = box.size[2]
        end = np.inf if height >= SENSOR_HEIGHT else far * SENSOR_HEIGHT / (SENSOR_HEIGHT - height)
        hidden |= (phi >= angles.min()) & (phi <= angles.max()) & (r > near) & (r < end)
        hidden |= box.contains_bev(xy)
    return hidden


def render_scan(rng: np.random.Generator, num_objects: Tuple[int, int] = (2, 7), x_range=(3.0, 19.0),
                y_limit: float = 7.0, max_range: float = 30.0, ground_points: int = 9000,
                density: float = 6000.0) -> Tuple[np.ndarray, List[LidarBox]]:
    """One scan: ``points`` [N, 4] (x, y, z, intensity; float32) and its labelled boxes."""
    boxes = sample_boxes(rng, int(rng.integers(num_objects[0], num_objects[1] + 1)), x_range, y_limit)
    # clutter: walls along the road and poles, unlabelled
    clutter: List[LidarBox] = []
    for sign in (-1, 1):
        if rng.random() < 0.7:
            start = rng.uniform(0, 8)
            wall_len = rng.uniform(8, 20)
            clutter.append(LidarBox('Wall', start + wall_len / 2, sign * rng.uniform(7.8, 10.0),
                                    (wall_len, 0.3, rng.uniform(2.0, 4.0)), 0.0))
    for _ in range(int(rng.integers(0, 5))):
        clutter.append(LidarBox('Pole', rng.uniform(2, 25), rng.uniform(-9.5, 9.5), (0.2, 0.2, 3.0), 0.0))
    clutter = [c for c in clutter if not any(np.hypot(c.x - b.x, c.y - b.y) < 3 for b in boxes)]
    # the ground: ranges log-uniform (a constant number of returns per beam ring), azimuths over +-60 degrees
    r = np.exp(rng.uniform(np.log(2.5), np.log(max_range), ground_points))
    phi = rng.uniform(-np.pi / 3, np.pi / 3, ground_points)
    ground = np.stack([r * np.cos(phi), r * np.sin(phi), -SENSOR_HEIGHT + 0.03 * rng.standard_normal(ground_points)], 1)
    ground = ground[~shadowed(ground[:, :2], boxes + clutter)]
    parts = [(ground, rng.uniform(0.05, 0.3, len(ground)))]
    for box in boxes + clutter:
        pts = box_surface_points(rng, box, density)
        reflect = {'Car': (0.3, 0.9), 'Wall': (0.3, 0.5), 'Pole': (0.4, 0.6)}.get(box.name, (0.2, 0.5))
        parts.append((pts, rng.uniform(*reflect, len(pts))))
    xyz = np.concatenate([p for p, _ in parts])
    xyz = xyz + 0.01 * rng.standard_normal(xyz.shape)
    points = np.concatenate([xyz, np.concatenate([i for _, i in parts])[:, None]], 1).astype(np.float32)
    return points[rng.permutation(len(points))], boxes


def camera_box(box: LidarBox) -> Tuple[np.ndarray, float, np.ndarray]:
    """The KITTI label of ``box``: bottom centre in the camera frame, ``rotation_y`` and the 2-D image box."""
    height = box.size[2]
    bottom = VELO_TO_CAM @ np.array([box.x, box.y, -SENSOR_HEIGHT, 1.0])
    rotation_y = float((-box.yaw - np.pi / 2 + np.pi) % (2 * np.pi) - np.pi)
    corners = np.concatenate([np.hstack([box.footprint(), np.full((4, 1), z)]) for z in
                              (-SENSOR_HEIGHT, -SENSOR_HEIGHT + height)])
    cam = (VELO_TO_CAM @ np.hstack([corners, np.ones((8, 1))]).T).T
    uvw = (calib_matrices()['P2'] @ np.hstack([cam, np.ones((8, 1))]).T).T
    uv = uvw[:, :2] / uvw[:, 2:]
    width_px, height_px = IMAGE_SIZE
    bbox = np.array([uv[:, 0].min(), uv[:, 1].min(), uv[:, 0].max(), uv[:, 1].max()])
    bbox = np.clip(bbox, 0, [width_px - 1, height_px - 1, width_px - 1, height_px - 1])
    return bottom, rotation_y, bbox


def label_lines(boxes: Sequence[LidarBox]) -> List[str]:
    """KITTI ``label_2`` lines: type truncated occluded alpha bbox(4) h w l x y z rotation_y."""
    lines = []
    for box in boxes:
        length, width, height = box.size
        (x, y, z), rotation_y, bbox = camera_box(box)
        alpha = (rotation_y - np.arctan2(x, z) + np.pi) % (2 * np.pi) - np.pi
        values = [0.0, 0, alpha, *bbox, height, width, length, x, y, z, rotation_y]
        lines.append(box.name + ' ' + ' '.join(f'{v:.2f}' if isinstance(v, float) else str(v) for v in values))
    return lines


def calib_lines() -> List[str]:
    """KITTI ``calib`` lines of :func:`calib_matrices`."""
    return [f'{key}: ' + ' '.join(f'{v:.12e}' for v in mat.reshape(-1)) for key, mat in calib_matrices().items()]


def _untracked(items, total=None, desc=''):
    return items


def write_kitti_set(root: str, num_train: int = 200, num_val: int = 60, num_test: int = 8,
                    seed: int = 0, track=None) -> dict:
    """Write the raw KITTI-layout demo set under ``root`` (train and val in ``training/``, test in ``testing/``,
    the split lists in ``ImageSets/``); scan ``i`` of a split is drawn from its own seeded generator.
    ``track(items, total, desc)``, e.g. :func:`mmjepa.utils.progress.track`, shows the progress."""
    from PIL import Image
    image = Image.new('L', IMAGE_SIZE, 96)
    counts = {'Car': 0, 'Pedestrian': 0, 'Cyclist': 0}
    splits = dict(train=range(num_train), val=range(num_train, num_train + num_val), test=range(num_test))
    num_points = []
    calib = '\n'.join(calib_lines()) + '\n'  # one camera for every scan
    for split, ids in splits.items():
        folder = osp.join(root, 'testing' if split == 'test' else 'training')
        for sub in ('velodyne', 'calib', 'image_2') + (() if split == 'test' else ('label_2',)):
            os.makedirs(osp.join(folder, sub), exist_ok=True)
        for i in (track or _untracked)(ids, len(ids), f'rendering {len(ids)} {split} LiDAR scans'):
            rng = np.random.default_rng([seed, 7, 1 if split == 'test' else 0, i])
            points, boxes = render_scan(rng)
            name = f'{i:06d}'
            points.tofile(osp.join(folder, 'velodyne', name + '.bin'))
            with open(osp.join(folder, 'calib', name + '.txt'), 'w') as f:
                f.write(calib)
            image.save(osp.join(folder, 'image_2', name + '.png'))
            if split != 'test':
                with open(osp.join(folder, 'label_2', name + '.txt'), 'w') as f:
                    f.write(''.join(line + '\n' for line in label_lines(boxes)))
                for box in boxes:
                    counts[box.name] += 1
            num_points.append(len(points))
    os.makedirs(osp.join(root, 'ImageSets'), exist_ok=True)
    for split, ids in splits.items():
        with open(osp.join(root, 'ImageSets', f'{split}.txt'), 'w') as f:
            f.write(''.join(f'{i:06d}\n' for i in ids))
    return dict(num_train=num_train, num_val=num_val, num_test=num_test, objects=counts,
                mean_points=float(np.mean(num_points)))
