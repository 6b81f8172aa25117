# PointPillars (mmdet3d's VoxelNet + Anchor3DHead, KITTI 3-class) on the demo encoder of
# pillar-encoder_demo-kitti.py: the encoder parts AD-L-JEPA pretrains, then mmdet3d's KITTI head, anchors and
# assigners (pointpillars_hv_secfpn_kitti.py) over the demo range. PretrainedEncoderVoxelNet is VoxelNet with a
# strict load of the pretrained encoder when init_cfg is set (the random-init baseline leaves it unset).
_base_ = ['./pillar-encoder_demo-kitti.py']
_assigner = dict(type='Max3DIoUAssigner', iou_calculator=dict(type='mmdet3d.BboxOverlapsNearest3D'),
                 pos_iou_thr=0.5, neg_iou_thr=0.35, min_pos_iou=0.35, ignore_iof_thr=-1)
model = dict(
    type='PretrainedEncoderVoxelNet',
    data_preprocessor={{_base_.data_preprocessor}},
    voxel_encoder={{_base_.pillar_encoder.voxel_encoder}},
    middle_encoder={{_base_.pillar_encoder.middle_encoder}},
    backbone={{_base_.pillar_encoder.backbone}},
    neck={{_base_.pillar_encoder.neck}},
    bbox_head=dict(
        type='Anchor3DHead', num_classes=3, in_channels={{_base_.bev_channels}},
        feat_channels={{_base_.bev_channels}}, use_direction_classifier=True, assign_per_class=True,
        anchor_generator=dict(
            type='AlignedAnchor3DRangeGenerator',
            # the BEV extent of point_cloud_range [0, -10.24, -3, 20.48, 10.24, 1] at mmdet3d's anchor heights
            ranges=[[0, -10.24, -0.6, 20.48, 10.24, -0.6], [0, -10.24, -0.6, 20.48, 10.24, -0.6],
                    [0, -10.24, -1.78, 20.48, 10.24, -1.78]],
            sizes=[[0.8, 0.6, 1.73], [1.76, 0.6, 1.73], [3.9, 1.6, 1.56]], rotations=[0, 1.57], reshape_out=False),
        diff_rad_by_sin=True,
        bbox_coder=dict(type='DeltaXYZWLHRBBoxCoder'),
        loss_cls=dict(type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
        loss_bbox=dict(type='mmdet.SmoothL1Loss', beta=1.0 / 9.0, loss_weight=2.0),
        loss_dir=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=False, loss_weight=0.2)),
    train_cfg=dict(
        assigner=[_assigner, _assigner,  # Pedestrian, Cyclist
                  dict(_assigner, pos_iou_thr=0.6, neg_iou_thr=0.45, min_pos_iou=0.45)],  # Car
        allowed_border=0, pos_weight=-1, debug=False),
    test_cfg=dict(use_rotate_nms=True, nms_across_levels=False, nms_thr=0.01, score_thr=0.1, min_bbox_size=0,
                  nms_pre=100, max_num=50))
