# ECG-JEPA's attentive probe (configs/ecgjepa/benchmarks/vit-s-p25_ecgjepa-pre_attnprobe-1xb128-5k_ptbxl-all.py) of the demo
# ViT-XS (configs/demo/ecgjepa_vit-xs-p25_1xb32-200it_demo-ptbxl.py) on the demo database's superdiagnostic task:
# frozen target encoder, 300 steps of 32 random 2.5 s crops, validation every 50 steps, the test (fold 10, every
# 2.5 s crop at 1.25 s) on the best validation checkpoint; CPU, a few minutes.
#   python tools/train.py THIS --work-dir WORK_DIR
#   python tools/test.py THIS WORK_DIR/best_multi-label_auc_iter_*.pth --work-dir WORK_DIR
# A randomly initialised encoder (the baseline): --cfg-options model.backbone.init_cfg=None
_base_ = [
    '../_base_/models/ecgjepa_vit-s_ptbxl-attnprobe.py',
    '../_base_/datasets/ptbxl_demo.py',
    '../_base_/schedules/ecgjepa_attnprobe.py',
    '../_base_/transfer_runtime.py',
]
benchmark_meta = dict(task='ptbxl-linear', dataset='demo-ptbxl')
xs = _base_.ecg_archs['xs']
model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(arch=dict(xs, _delete_=True),
                  init_cfg=dict(checkpoint='work_dirs/demo_ecgjepa/iter_200.pth')),
    head=dict(num_classes={{_base_.num_classes}}, in_channels=xs['embed_dims'], num_heads=xs['num_heads']))
max_iters = 300
val_interval = 50
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0, end=max_iters)]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(logger=dict(interval=20),
                     checkpoint=dict(interval=val_interval, save_best='multi-label/auc', rule='greater'))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
