# ECG-JEPA's full fine-tuning (configs/ecgjepa/benchmarks/vit-s-p25_ecgjepa-pre_ft-1xb128-10k_ptbxl-all.py) of the demo
# ViT-XS on the demo database's superdiagnostic task: dropout 0.05, the register token read by a linear layer,
# 150 steps of 32 (10 warm-up), validation every 50 steps, the test on the best validation checkpoint; CPU, a few
# minutes. Commands as in the attentive-probe demo config.
_base_ = [
    '../_base_/models/ecgjepa_vit-s_ptbxl-attnprobe.py',
    '../_base_/datasets/ptbxl_demo.py',
    '../_base_/schedules/ecgjepa_finetune.py',
    '../_base_/transfer_runtime.py',
]
benchmark_meta = dict(task='ptbxl-finetune', dataset='demo-ptbxl')
xs = _base_.ecg_archs['xs']
model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(arch=dict(xs, _delete_=True), frozen=False, drop_rate=0.05,
                  init_cfg=dict(checkpoint='work_dirs/demo_ecgjepa/iter_200.pth')),
    head=dict(_delete_=True, type='TokenClsHead', pool='first', num_classes={{_base_.num_classes}},
              in_channels=xs['embed_dims']))
max_iters = 150
warmup_iters = 10
val_interval = 50
param_scheduler = [
    dict(type='WarmupCosineLR', start_factor=1e-3, warmup=warmup_iters, eta_min=1e-5, by_epoch=False, begin=0,
         end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(logger=dict(interval=20),
                     checkpoint=dict(interval=val_interval, save_best='multi-label/auc', rule='greater'))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
