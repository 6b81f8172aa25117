# The labelled demo KITTI set (`make_demo_data.py --sets kitti`: 200 train and 60 val scans of cars, pedestrians
# and cyclists) for the demo PointPillars detectors, in mmdet3d's scope: mmdet3d's KITTI 3-class pipeline without
# the ground-truth database sampling (ObjectSample), cut to the demo range; the train set is a seeded label
# fraction (LabelFractionDataset; 1.0 keeps every scan); KittiMetric (3-D, BEV and 2-D AP, easy / moderate / hard).
_base_ = ['../models/pointpillars_demo-kitti.py']  # the detector, and through it the encoder and its range
data_root = 'data/demo/kitti/'
class_names = ['Pedestrian', 'Cyclist', 'Car']
metainfo = dict(classes=class_names)
input_modality = dict(use_lidar=True, use_camera=False)
train_pipeline = [
    dict(type='StrictLoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4),
    dict(type='LoadAnnotations3D', with_bbox_3d=True, with_label_3d=True),
    dict(type='RandomFlip3D', flip_ratio_bev_horizontal=0.5),
    dict(type='GlobalRotScaleTrans', rot_range=[-0.78539816, 0.78539816], scale_ratio_range=[0.95, 1.05]),
    dict(type='PointsRangeFilter', point_cloud_range={{_base_.point_cloud_range}}),
    dict(type='ObjectRangeFilter', point_cloud_range={{_base_.point_cloud_range}}),
    dict(type='PointShuffle'),
    dict(type='Pack3DDetInputs', keys=['points', 'gt_labels_3d', 'gt_bboxes_3d']),
]
test_pipeline = [
    dict(type='StrictLoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4),
    dict(type='PointsRangeFilter', point_cloud_range={{_base_.point_cloud_range}}),
    dict(type='Pack3DDetInputs', keys=['points']),
]
label_fraction = 1.0
train_dataloader = dict(
    batch_size=4, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='LabelFractionDataset', fraction=label_fraction, seed=0,
        dataset=dict(
            type='KittiDataset', data_root=data_root, ann_file='kitti_infos_train.pkl',
            data_prefix=dict(pts='training/velodyne'), pipeline=train_pipeline, modality=input_modality,
            test_mode=False, metainfo=metainfo, box_type_3d='LiDAR')))
val_dataloader = dict(
    batch_size=4, num_workers=1, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='KittiDataset', data_root=data_root, ann_file='kitti_infos_val.pkl',
        data_prefix=dict(pts='training/velodyne'), pipeline=test_pipeline, modality=input_modality,
        test_mode=True, metainfo=metainfo, box_type_3d='LiDAR'))
test_dataloader = val_dataloader
val_evaluator = dict(type='KittiMetric', ann_file=data_root + 'kitti_infos_val.pkl', metric='bbox')
test_evaluator = val_evaluator
