# Copyright (c) mmjepa contributors. All rights reserved.
"""The synthetic KITTI-layout LiDAR set: determinism, the KITTI label and calibration text, the geometry that
ties the camera-frame labels to the LiDAR points (numpy only; mmdet3d's reading of it: tests/test_det3d)."""
import numpy as np
import pytest

from mmjepa.datasets.demo import kitti


def test_scans_are_seeded_and_points_lie_on_the_ground_and_the_boxes():
    points, boxes = kitti.render_scan(np.random.default_rng(3))
    again, boxes_again = kitti.render_scan(np.random.default_rng(3))
    assert np.array_equal(points, again) and boxes == boxes_again
    assert points.dtype == np.float32 and points.shape[1] == 4 and len(points) > 3000
    ground = np.abs(points[:, 2] + kitti.SENSOR_HEIGHT) < 0.15
    assert ground.mean() > 0.4  # most returns are the road
    for box in boxes:
        inside = box.contains_bev(points[:, :2].astype(np.float64), margin=0.05) & ~ground
        assert inside.sum() > 5, box  # every labelled object is seen
        z = points[inside, 2]
        assert z.max() <= -kitti.SENSOR_HEIGHT + box.size[2] + 0.05  # nothing above its top
        assert kitti.in_camera_view(box.footprint()[:, 0], box.footprint()[:, 1]).all()


def test_shadows_hide_the_ground_behind_objects():
    rng = np.random.default_rng(0)
    box = kitti.LidarBox('Car', 8.0, 0.0, (3.9, 1.6, 1.56), 0.0)
    xy = np.array([[12.0, 0.0], [6.0, 0.0], [12.0, 5.0], [8.0, 0.3]])
    assert kitti.shadowed(xy, [box]).tolist() == [True, False, False, True]  # behind, in front, beside, under
    # a face turned away from the sensor gets no points
    pts = kitti.box_surface_points(rng, box, density=6000.0)
    assert (pts[:, 0] >= 8.0 - 3.9 / 2 - 1e-6).all() and not (np.abs(pts[:, 0] - (8.0 + 3.9 / 2)) < 1e-6).any()


def test_labels_are_kitti_camera_frame_boxes():
    box = kitti.LidarBox('Car', 10.0, 2.0, (4.0, 1.6, 1.5), 0.3)
    (line,) = kitti.label_lines([box])
    fields = line.split()
    assert fields[0] == 'Car' and len(fields) == 15
    h, w, length, x, y, z, rotation_y = map(float, fields[8:15])
    assert (h, w, length) == pytest.approx((1.5, 1.6, 4.0), abs=0.01)
    assert (x, y, z) == pytest.approx((-2.0, kitti.SENSOR_HEIGHT, 10.0), abs=0.01)  # camera: x right, y down, z fwd
    assert rotation_y == pytest.approx(-0.3 - np.pi / 2, abs=0.01)  # mmdet3d: yaw_lidar = -rotation_y - pi / 2
    left, top, right, bottom = map(float, fields[4:8])
    width_px, height_px = kitti.IMAGE_SIZE
    assert 0 <= left < right < width_px and 0 <= top < bottom < height_px
    assert bottom - top > 40  # a car at 10 m is 'easy' for the KITTI evaluation (at least 40 px tall)
    calib = dict(line.split(': ') for line in kitti.calib_lines())
    assert set(calib) == {'P0', 'P1', 'P2', 'P3', 'R0_rect', 'Tr_velo_to_cam', 'Tr_imu_to_velo'}
    assert len(calib['P2'].split()) == 12 and len(calib['R0_rect'].split()) == 9


def test_write_kitti_set_layout(tmp_path):
    summary = kitti.write_kitti_set(str(tmp_path), num_train=3, num_val=2, num_test=1, seed=1)
    assert summary['num_train'] == 3 and sum(summary['objects'].values()) > 0
    assert (tmp_path / 'ImageSets' / 'val.txt').read_text().split() == ['000003', '000004']
    for name in ('velodyne/000004.bin', 'label_2/000004.txt', 'calib/000004.txt', 'image_2/000004.png'):
        assert (tmp_path / 'training' / name).is_file()
    assert not (tmp_path / 'testing' / 'label_2').exists() and (tmp_path / 'testing' / 'velodyne' / '000000.bin').is_file()
    scan = np.fromfile(tmp_path / 'training' / 'velodyne' / '000000.bin', dtype=np.float32).reshape(-1, 4)
    again, _ = kitti.render_scan(np.random.default_rng([1, 7, 0, 0]))
    assert np.array_equal(scan, again)
