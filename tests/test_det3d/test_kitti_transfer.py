# Copyright (c) mmjepa contributors. All rights reserved.
"""The demo KITTI set through mmdet3d (its converter's infos, KittiDataset, KittiMetric on the CPU) and the
transfer of an AD-L-JEPA encoder into PointPillars (strict load, label fractions)."""
import os.path as osp

import numpy as np
import pytest
import torch

import mmjepa.det3d  # noqa: F401  (before mmdet3d's modules: registers the parts, the CPU rotated IoU)
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmjepa.datasets.demo import kitti
from mmjepa.det3d import LabelFractionDataset
from mmjepa.det3d.kitti_infos import create_kitti_infos
from mmjepa.det3d.rotated_iou_cpu import rotate_iou_cpu_eval
from mmjepa.utils import TransferError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DET_CONFIG = osp.join(ROOT, 'configs/demo/pointpillars-d192_adljepa-demo-pre_1xb4-200it_demo-kitti.py')
PRETRAIN_CONFIG = osp.join(ROOT, 'configs/demo/adljepa_pointpillars-d192_1xb4-200it_demo-kitti.py')


@pytest.fixture(scope='module')
def kitti_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('kitti'))
    kitti.write_kitti_set(root, num_train=6, num_val=3, num_test=1, seed=0)
    create_kitti_infos(root)
    return root


def build_dataset(root, split='train', **kwargs):
    from mmdet3d.registry import DATASETS
    cfg = Config.fromfile(DET_CONFIG)
    loader = cfg.train_dataloader if split == 'train' else cfg.val_dataloader
    dataset = loader.dataset.dataset if split == 'train' else loader.dataset
    dataset.update(data_root=root + '/', ann_file=f'kitti_infos_{split}.pkl', **kwargs)
    with DefaultScope.overwrite_default_scope('mmdet3d'):
        return DATASETS.build(dataset)


def test_converter_infos_match_the_generated_boxes_and_points(kitti_root):
    """mmdet3d's converter reads our labels and calibration back into the LiDAR boxes the scans were drawn with,
    and counts in each box the points the generator put on it."""
    from mmdet3d.structures.ops import box_np_ops
    dataset = build_dataset(kitti_root, pipeline=[dict(type='LoadPointsFromFile', coord_type='LIDAR', load_dim=4,
                                                       use_dim=4),
                                                  dict(type='LoadAnnotations3D', with_bbox_3d=True,
                                                       with_label_3d=True)],
                            filter_empty_gt=False)  # no Pack3DDetInputs: the raw results
    assert len(dataset) == 6 and list(dataset.metainfo['classes']) == ['Pedestrian', 'Cyclist', 'Car']
    for index in range(len(dataset)):
        sample = dataset[index]
        _, boxes = kitti.render_scan(np.random.default_rng([0, 7, 0, index]))
        gt = sample['gt_bboxes_3d'].tensor.numpy()  # LiDAR: x, y, z (bottom), l, w, h, yaw
        names = [dataset.metainfo['classes'][i] for i in sample['gt_labels_3d']]
        assert names == [b.name for b in boxes]
        expected = np.array([[b.x, b.y, -kitti.SENSOR_HEIGHT, *b.size, b.yaw] for b in boxes])
        np.testing.assert_allclose(gt[:, :6], expected[:, :6], atol=0.011)  # labels hold 2 decimals
        yaw_error = (gt[:, 6] - expected[:, 6] + np.pi) % (2 * np.pi) - np.pi
        assert np.abs(yaw_error).max() < 0.011
        points = sample['points'].tensor.numpy()
        inside = box_np_ops.points_in_rbbox(points[:, :3], gt)  # [N, boxes]
        assert (inside.sum(0) > 5).all()
        infos = dataset.get_data_info(index)['instances']
        # the converter counts the points that the camera sees: project them with the calibration
        calib = kitti.calib_matrices()
        cam = (calib['Tr_velo_to_cam'] @ np.hstack([points[:, :3], np.ones((len(points), 1))]).T).T
        uvw = (calib['P2'] @ np.hstack([cam, np.ones((len(cam), 1))]).T).T
        u, v = uvw[:, 0] / uvw[:, 2], uvw[:, 1] / uvw[:, 2]
        seen = (uvw[:, 2] > 0) & (u >= 0) & (u < kitti.IMAGE_SIZE[0]) & (v >= 0) & (v < kitti.IMAGE_SIZE[1])
        counted = [i['num_lidar_pts'] for i in infos]
        assert counted == (inside & seen[:, None]).sum(0).tolist()


def test_label_fraction_is_seeded_nested_and_checked(kitti_root):
    base = build_dataset(kitti_root)
    small, large = LabelFractionDataset(base, 0.34, seed=1), LabelFractionDataset(base, 0.67, seed=1)
    assert len(small) == 2 and len(large) == 4 and set(small.indices) <= set(large.indices)
    assert np.array_equal(small.indices, LabelFractionDataset(base, 0.34, seed=1).indices)
    assert not np.array_equal(LabelFractionDataset(base, 0.5, seed=2).indices, LabelFractionDataset(base, 0.5, seed=1).indices) \
        or len(base) < 3
    assert small.get_data_info(0)['sample_idx'] == base.get_data_info(int(small.indices[0]))['sample_idx']
    assert len(LabelFractionDataset(base, 0.01)) == 1  # at least one scan
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match='fraction must be in'):
            LabelFractionDataset(base, bad)


def test_cpu_rotated_iou_is_exact():
    """The CPU stand-in of mmdet3d's CUDA rotated IoU against exact polygon intersections, every criterion."""
    from shapely.geometry import Polygon
    from mmdet3d.evaluation.functional.kitti_utils import rotate_iou

    def polygon(b):
        x, y, w, h, a = b
        c, s = np.cos(a), np.sin(a)
        corners = np.array([[w, h], [-w, h], [-w, -h], [w, -h]]) / 2
        return Polygon(corners @ np.array([[c, s], [-s, c]]) + [x, y])

    rng = np.random.default_rng(0)
    def draw(n):
        return np.concatenate([rng.uniform(-2, 2, (n, 2)), rng.uniform(0.5, 3, (n, 2)), rng.uniform(-3, 3, (n, 1))], 1)
    boxes, queries = draw(7), draw(5)
    inter = np.array([[polygon(b).intersection(polygon(q)).area for q in queries] for b in boxes])
    area_b, area_q = boxes[:, 2:3] * boxes[:, 3:4], (queries[:, 2] * queries[:, 3])[None]
    expected = {-1: inter / (area_b + area_q - inter), 0: inter / area_q, 1: inter / area_b, 2: inter}
    for criterion, want in expected.items():
        np.testing.assert_allclose(rotate_iou_cpu_eval(boxes, queries, criterion), want, atol=2e-5)
    assert rotate_iou_cpu_eval(boxes[:0], queries).shape == (0, 5)
    if not mmjepa.det3d.rotated_iou_cpu.cuda_available():  # this machine: KittiMetric uses the CPU version
        assert rotate_iou.rotate_iou_gpu_eval is rotate_iou_cpu_eval


def pretraining_checkpoint(path):
    from mmdet3d.registry import MODELS
    cfg = Config.fromfile(PRETRAIN_CONFIG)
    with DefaultScope.overwrite_default_scope('mmdet3d'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return model


def test_pretrained_encoder_loads_strictly_into_voxelnet(tmp_path):
    from mmdet3d.registry import MODELS
    ckpt = str(tmp_path / 'adljepa.pth')
    jepa = pretraining_checkpoint(ckpt)
    cfg = Config.fromfile(DET_CONFIG)
    with DefaultScope.overwrite_default_scope('mmdet3d'):
        detector = MODELS.build(dict(cfg.model, init_cfg=dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.')))
        scratch = MODELS.build(dict(cfg.model, init_cfg=None))
    detector.init_weights()
    scratch.init_weights()
    for name, tensor in jepa.backbone.state_dict().items():
        torch.testing.assert_close(detector.state_dict()[name], tensor, rtol=0, atol=0)
    head = [k for k in detector.state_dict() if k.startswith('bbox_head.')]
    assert head and all(k.split('.')[0] in ('voxel_encoder', 'middle_encoder', 'backbone', 'neck', 'bbox_head')
                        for k in detector.state_dict())
    ema = dict(type='Pretrained', checkpoint=ckpt, prefix='target_generator.encoder.')
    with DefaultScope.overwrite_default_scope('mmdet3d'):
        MODELS.build(dict(cfg.model, init_cfg=ema)).init_weights()  # the EMA target encoder fits as well
        wrong = MODELS.build(dict(cfg.model, init_cfg=dict(ema, prefix='backbone.voxel_encoder.')))
    with pytest.raises(TransferError, match='missing from the checkpoint'):
        wrong.init_weights()


def test_demo_detector_trains_and_kitti_metric_runs_on_cpu(kitti_root, tmp_path):
    from mmengine.runner import Runner
    ckpt = str(tmp_path / 'adljepa.pth')
    pretraining_checkpoint(ckpt)
    cfg = Config.fromfile(DET_CONFIG)
    cfg.model.init_cfg.checkpoint = ckpt
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_dataloader.dataset.dataset.data_root = kitti_root + '/'
    cfg.train_dataloader.dataset.fraction = 0.5
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(num_workers=0, persistent_workers=False)
    cfg.val_dataloader.dataset.data_root = cfg.test_dataloader.dataset.data_root = kitti_root + '/'
    cfg.val_evaluator.ann_file = cfg.test_evaluator.ann_file = osp.join(kitti_root, 'kitti_infos_val.pkl')
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint.interval = 2
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    key = 'Kitti metric/pred_instances_3d/KITTI/Overall_3D_AP40_moderate'
    assert key in metrics and 0.0 <= metrics[key] <= 100.0
    assert osp.isfile(osp.join(cfg.work_dir, 'iter_2.pth'))


def test_make_demo_data_writes_the_kitti_set_with_infos(tmp_path):
    import subprocess
    import sys
    script = osp.join(ROOT, 'tools', 'dataset_converters', 'make_demo_data.py')
    cmd = [sys.executable, script, '--out', str(tmp_path), '--image-size', '32', '--train-per-class', '1',
           '--val-per-class', '1', '--sets', 'kitti', '--kitti-train', '3', '--kitti-val', '2']
    first = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert 'Wrote 3 train, 2 val and 8 test KITTI-layout LiDAR scans' in first.stdout
    root = tmp_path / 'kitti'
    for split in ('train', 'val', 'trainval', 'test'):
        assert (root / f'kitti_infos_{split}.pkl').is_file()
    from mmengine import load
    infos = load(str(root / 'kitti_infos_trainval.pkl'))
    assert infos['metainfo']['info_version'] == '1.1' and len(infos['data_list']) == 5
    second = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert 'kitti already holds' in second.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ['imagenet', 'kitti']  # no temporary folder left behind


def test_pretraining_augmentation_is_seeded_per_scan_whatever_the_worker_order(kitti_root):
    """A scan's flip, rotation, scaling and point shuffle depend on (seed, epoch, index) only, so a resumed run
    with another number of loader workers (which serve the keys in another order) sees the same points."""
    from mmengine.registry import DATASETS, DATA_SAMPLERS
    cfg = Config.fromfile(PRETRAIN_CONFIG)
    loader = cfg.train_dataloader
    loader.dataset.dataset.data_root = kitti_root + '/'
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = DATASETS.build(loader.dataset)
        sampler = DATA_SAMPLERS.build(loader.sampler, default_args=dict(dataset=dataset, seed=0))
    keys = list(sampler)
    assert all(isinstance(k, tuple) for k in keys)
    points = lambda key: dataset[key]['inputs']['points'].numpy()  # noqa: E731
    first = [points(k) for k in keys]
    torch.manual_seed(123)
    np.random.seed(123)
    again = [points(k) for k in reversed(keys)][::-1]  # another serving order and global RNG state
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    plain = [dataset[k[0]]['inputs']['points'].numpy() for k in keys]  # unseeded: the augmentation varies
    assert any(a.shape != b.shape or not np.array_equal(a, b) for a, b in zip(first, plain))


@pytest.mark.parametrize('corrupt, error', [
    (lambda raw: b'', r'is empty \(0 points\)'),
    (lambda raw: raw[:-6], 'not a multiple of load_dim=4.*the file is truncated'),
    (lambda raw: raw[:-8], 'not a multiple of load_dim=4: the file is truncated'),
    (lambda raw: np.full(40, np.nan, np.float32).tobytes() + raw, 'hold NaN or Inf'),
    (lambda raw: np.full(8, 1e30, np.float32).tobytes() + raw, 'beyond any sensor'),
])
def test_bad_velodyne_scan_is_an_error_naming_the_file(kitti_root, tmp_path, corrupt, error):
    import shutil
    root = tmp_path / 'kitti'
    shutil.copytree(kitti_root, root)
    cfg = Config.fromfile(PRETRAIN_CONFIG)
    cfg.train_dataloader.dataset.dataset.data_root = str(root) + '/'
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        from mmengine.registry import DATASETS
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    scan = dataset.get_data_info(0)['lidar_points']['lidar_path']
    with open(scan, 'rb') as f:
        raw = f.read()
    with open(scan, 'wb') as f:
        f.write(corrupt(raw))
    with pytest.raises((ValueError, OSError), match=error) as info:
        dataset[0]
    assert osp.basename(scan) in str(info.value)
