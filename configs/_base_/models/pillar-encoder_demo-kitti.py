# The PointPillars BEV encoder shared by AD-L-JEPA's CPU demo pretraining and the demo detectors that start
# from it: pillar feature net -> scatter -> SECOND 2-D backbone -> SECONDFPN (the encoder is everything the
# detection head reads, so a detector takes all four parts from a pretraining checkpoint). A KITTI-like frame
# (x forward, y left, z up) cut to 20.48 m x 20.48 m with narrow layers so that a step runs in about a second
# on one CPU core; mmdet3d's KITTI PointPillars is [0, -39.68, -3, 69.12, 39.68, 1], 64/128/256 channels.
point_cloud_range = [0, -10.24, -3, 20.48, 10.24, 1]
voxel_size = [0.16, 0.16, 4]
bev_grid = [128, 128]  # (y, x) pillars: range / voxel size
pillar_channels = 32
backbone_channels = [32, 64, 128]
neck_channels = [64, 64, 64]
bev_channels = sum(neck_channels)  # 192 at stride 2 of the pillar grid: a 64 x 64 BEV map
bev_stride = 2
voxel_layer = dict(
    max_num_points=16, point_cloud_range=point_cloud_range, voxel_size=voxel_size, max_voxels=(8000, 8000))
data_preprocessor = dict(type='Det3DDataPreprocessor', voxel=True, voxel_layer=voxel_layer)
pillar_encoder = dict(
    voxel_encoder=dict(
        type='PillarFeatureNet', in_channels=4, feat_channels=[pillar_channels], with_distance=False,
        voxel_size=voxel_size, point_cloud_range=point_cloud_range),
    middle_encoder=dict(type='PointPillarsScatter', in_channels=pillar_channels, output_shape=bev_grid),
    backbone=dict(
        type='SECOND', in_channels=pillar_channels, layer_nums=[1, 2, 2], layer_strides=[2, 2, 2],
        out_channels=backbone_channels),
    neck=dict(
        type='SECONDFPN', in_channels=backbone_channels, upsample_strides=[1, 2, 4],
        out_channels=neck_channels))
