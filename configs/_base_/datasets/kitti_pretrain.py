# Unlabelled KITTI 3-D scans for AD-L-JEPA pretraining: the training split (3712 frames) in mmdet3d's layout
# (`python $(python -c "import mmdet3d, os; print(os.path.dirname(mmdet3d.__file__))")/.mim/tools/create_data.py
# kitti --root-path data/kitti --out-dir data/kitti --extra-tag kitti`), the camera-FOV points
# (velodyne_reduced, the official FOV_POINTS_ONLY), flip + global rotation / scaling as the official pretraining.
# Departure: the official KITTI pretraining also pastes ground-truth objects (gt_sampling); left out here.
data_root = 'data/kitti/'
class_names = ['Pedestrian', 'Cyclist', 'Car']
# SECOND's KITTI range; the voxel layer drops what lies outside a narrower encoder range (PointPillars').
point_cloud_range = [0, -40, -3, 70.4, 40, 1]
train_pipeline = [
    dict(type='StrictLoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4),
    dict(type='RandomFlip3D', flip_ratio_bev_horizontal=0.5),
    dict(type='GlobalRotScaleTrans', rot_range=[-0.78539816, 0.78539816], scale_ratio_range=[0.95, 1.05]),
    dict(type='PointsRangeFilter', point_cloud_range=point_cloud_range),
    dict(type='PointShuffle'),
    dict(type='Pack3DDetInputs', keys=['points']),
]
train_dataloader = dict(
    batch_size=4, num_workers=4, persistent_workers=True,
    # exact resume whatever the worker count: each scan's flip, rotation, scaling and shuffle seeded by
    # (seed, epoch, index)
    sampler=dict(type='ResumableSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),  # lists of Det3DDataSample, as mmdet3d batches them
    dataset=dict(type='SeededDataset', dataset=dict(
        type='KittiDataset', _scope_='mmdet3d', data_root=data_root, ann_file='kitti_infos_train.pkl',
        data_prefix=dict(pts='training/velodyne_reduced'), pipeline=train_pipeline,
        modality=dict(use_lidar=True, use_camera=False), metainfo=dict(classes=class_names), box_type_3d='LiDAR',
        filter_empty_gt=False, test_mode=False)))
