# AD-L-JEPA with the narrow PointPillars BEV encoder (192 channels at stride 2: 64 x 64 cells over 20.48 m) on
# the synthetic KITTI-layout demo scans: the official recipe (mask ratio 0.5 on occupied and on empty cells, EMA
# 0.996 -> 1, cosine 0.75 / 0.25 + variance hinge beta 1, AdamW lr 3e-4 one-cycle, clip 10) for 200 steps of 4
# scans on the CPU (2.6-3.2 s a step on one core beside other jobs: 200 steps in 12 minutes, loss 0.73 -> 0.35).
#   python tools/dataset_converters/make_demo_data.py --out data/demo --sets kitti
#   python tools/train.py configs/demo/adljepa_pointpillars-d192_1xb4-200it_demo-kitti.py --work-dir work_dirs/demo_adljepa
_base_ = [
    '../_base_/datasets/kitti_pretrain_demo.py',  # with the encoder, ../_base_/models/pillar-encoder_demo-kitti.py
    '../_base_/schedules/adljepa_adamw.py',
    '../_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmjepa', 'mmjepa.det3d'], allow_failed_imports=False)
model = dict(
    type='ADLJEPA',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(type='BEVEncoder', embed_dims={{_base_.bev_channels}}, out_stride={{_base_.bev_stride}},
                  **_base_.pillar_encoder),
    mask_sampler=dict(type='BEVCellMaskSampler', mask_ratio=0.5))  # the official KITTI ratio
max_iters = 200
param_scheduler = [dict(type='OneCycleLRPlainState', eta_max=3e-4, total_steps=max_iters, pct_start=0.4, div_factor=10,
                        by_epoch=False)]
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(by_epoch=False, interval=100))
log_processor = dict(by_epoch=False)
# the shared safety hooks (iteration checkpoints, RNG state, non-finite guard, EMA, provenance); no collapse monitor
custom_hooks = [hook for hook in _base_.custom_hooks if hook['type'] != 'CollapseMonitorHook']
env_cfg = dict(dist_cfg=dict(backend='gloo'))
