# AD-L-JEPA as published (official tools/cfgs/kitti_models/ad_l_jepa_kitti.yaml): SECOND's sparse 3-D encoder
# (mmdet3d SparseEncoder = OpenPCDet VoxelBackBone8x: 16-32-64-64 channels, 128 x 2 heights -> 256 BEV channels at
# stride 8, 200 x 176 cells) on voxels of 0.05 x 0.05 x 0.1 m over [0, -40, -3, 70.4, 40, 1], mean VFE; mask ratio
# 0.5; 30 epochs of 8 GPUs x 4 scans. GPU only: mmcv's sparse convolution has no CPU path.
#   bash tools/dist_train.sh configs/adljepa/adljepa_second-sparse_8xb4-30e_kitti.py 8
_base_ = [
    '../_base_/datasets/kitti_pretrain.py',
    '../_base_/schedules/adljepa_adamw.py',
    '../_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmjepa', 'mmjepa.det3d'], allow_failed_imports=False)
point_cloud_range = [0, -40, -3, 70.4, 40, 1]
voxel_size = [0.05, 0.05, 0.1]
model = dict(
    type='ADLJEPA',
    data_preprocessor=dict(
        type='Det3DDataPreprocessor', voxel=True,
        voxel_layer=dict(max_num_points=5, point_cloud_range=point_cloud_range, voxel_size=voxel_size,
                         max_voxels=(16000, 40000))),
    backbone=dict(
        type='BEVEncoder', embed_dims=256, out_stride=8,
        voxel_encoder=dict(type='HardSimpleVFE', num_features=4),
        middle_encoder=dict(type='SparseEncoder', in_channels=4, sparse_shape=[41, 1600, 1408],
                            order=('conv', 'norm', 'act'))),
    mask_sampler=dict(type='BEVCellMaskSampler', mask_ratio=0.5),
    loss=dict(type='BEVCellJEPALoss', occupied_weight=0.75, empty_weight=0.25, alpha=1.0, beta=1.0))
default_hooks = dict(checkpoint=dict(interval=5))
# the shared safety hooks (iteration checkpoints, RNG state, non-finite guard, EMA, provenance); no collapse monitor
custom_hooks = [hook for hook in _base_.custom_hooks if hook['type'] != 'CollapseMonitorHook']
