# PointPillars on the demo KITTI scans with the encoder of the demo AD-L-JEPA pretraining (its context encoder,
# as the official transfer; prefix 'target_generator.encoder.' takes the EMA target): 200 iterations of 4 scans,
# AdamW lr 1e-3 (mmdet3d's PointPillars rate, cosine here), clip 35, then KittiMetric on the 60 val scans.
#   python tools/train.py configs/demo/adljepa_pointpillars-d192_1xb4-200it_demo-kitti.py --work-dir work_dirs/demo_adljepa
#   python tools/train.py configs/demo/pointpillars-d192_adljepa-demo-pre_1xb4-200it_demo-kitti.py
# Label efficiency (5 / 20 / 50 % of the train scans, pretrained against random init, over seeds):
#   python tools/analysis_tools/transfer_sweep.py THIS_CONFIG work_dirs/demo_adljepa/iter_200.pth \
#       --fractions 0.05 0.2 0.5 --seeds 0 1 2 --metric Overall_3D_AP40_moderate
#   python tools/analysis_tools/transfer_sweep.py THIS_CONFIG --random-init --fractions 0.05 0.2 0.5 --seeds 0 1 2 ...
_base_ = [
    '../_base_/datasets/kitti-3d-3class_demo.py',  # with the detector, ../_base_/models/pointpillars_demo-kitti.py
    'mmdet3d::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmjepa', 'mmjepa.det3d'], allow_failed_imports=False)
benchmark_meta = dict(task='kitti3d', dataset='demo')
pretrained = 'work_dirs/demo_adljepa/iter_200.pth'
model = dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.'))
max_iters = 200
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, betas=(0.95, 0.99), weight_decay=0.01),
                     clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', T_max=max_iters - 20, eta_min=1e-5, by_epoch=False, begin=20, end=max_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters),
                     visualization=dict(type='Det3DVisualizationHook'))
log_processor = dict(by_epoch=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
