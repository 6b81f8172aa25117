# Unlabelled LiDAR scans for AD-L-JEPA pretraining: the training split of the synthetic KITTI-layout demo set
# (`make_demo_data.py --sets kitti`), points only. mmdet3d's KittiDataset and transforms, built in the mmdet3d scope
# (`_scope_`) inside an mmpretrain-scoped runtime. Augmentation as the official KITTI pretraining (flip, global
# rotation and scaling; the official GT-sampling is left out: it needs a ground-truth database and labels).
_base_ = ['../models/pillar-encoder_demo-kitti.py']
data_root = 'data/demo/kitti/'
class_names = ['Pedestrian', 'Cyclist', 'Car']
train_pipeline = [
    dict(type='StrictLoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4),
    dict(type='RandomFlip3D', flip_ratio_bev_horizontal=0.5),
    dict(type='GlobalRotScaleTrans', rot_range=[-0.78539816, 0.78539816], scale_ratio_range=[0.95, 1.05]),
    dict(type='PointsRangeFilter', point_cloud_range={{_base_.point_cloud_range}}),
    dict(type='PointShuffle'),
    dict(type='Pack3DDetInputs', keys=['points']),
]
train_dataloader = dict(
    batch_size=4, num_workers=2, persistent_workers=True,
    # exact resume whatever the worker count: each scan's flip, rotation, scaling and shuffle seeded by
    # (seed, epoch, index)
    sampler=dict(type='ResumableSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),  # lists of Det3DDataSample, as mmdet3d batches them
    dataset=dict(type='SeededDataset', dataset=dict(
        type='KittiDataset', _scope_='mmdet3d', data_root=data_root, ann_file='kitti_infos_train.pkl',
        data_prefix=dict(pts='training/velodyne'), pipeline=train_pipeline, modality=dict(use_lidar=True,
        use_camera=False), metainfo=dict(classes=class_names), box_type_3d='LiDAR', filter_empty_gt=False,
        test_mode=False)))
