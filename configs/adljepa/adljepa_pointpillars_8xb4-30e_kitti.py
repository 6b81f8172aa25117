# AD-L-JEPA with the dense PointPillars BEV encoder (mmdet3d's KITTI PointPillars: pillars of 0.16 m over
# [0, -39.68, -3, 69.12, 39.68, 1], SECOND 64-128-256 + SECONDFPN 3 x 128 -> 384 channels at stride 2, 248 x 216
# cells): the official recipe otherwise. Runs on CPU and GPU (one step of 4 full scans is seconds on a CPU core).
#   bash tools/dist_train.sh configs/adljepa/adljepa_pointpillars_8xb4-30e_kitti.py 8
_base_ = ['./adljepa_second-sparse_8xb4-30e_kitti.py']
point_cloud_range = [0, -39.68, -3, 69.12, 39.68, 1]
voxel_size = [0.16, 0.16, 4]
model = dict(
    data_preprocessor=dict(voxel_layer=dict(max_num_points=32, point_cloud_range=point_cloud_range,
                                            voxel_size=voxel_size)),
    backbone=dict(
        _delete_=True, type='BEVEncoder', embed_dims=384, out_stride=2,
        voxel_encoder=dict(type='PillarFeatureNet', in_channels=4, feat_channels=[64], with_distance=False,
                           voxel_size=voxel_size, point_cloud_range=point_cloud_range),
        middle_encoder=dict(type='PointPillarsScatter', in_channels=64, output_shape=[496, 432]),
        backbone=dict(type='SECOND', in_channels=64, layer_nums=[3, 5, 5], layer_strides=[2, 2, 2],
                      out_channels=[64, 128, 256]),
        neck=dict(type='SECONDFPN', in_channels=[64, 128, 256], upsample_strides=[1, 2, 4],
                  out_channels=[128, 128, 128])))
