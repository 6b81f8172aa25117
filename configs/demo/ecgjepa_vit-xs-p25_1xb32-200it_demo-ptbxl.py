# ECG-JEPA ViT-XS (192 wide, 8 blocks; predictor 96 wide, 4 blocks) on the synthetic PTB-XL-layout demo database
# (400 neurokit2 records, folds 1-8 for pretraining): the official recipe (10 s crops of 200 tokens, 1-D masks
# keeping 15-25 %, EMA 0.998 -> 0.9995, L1) scaled to the CPU: 200 steps of 32, 20 warm-up; about 4 minutes.
#   python tools/dataset_converters/make_demo_data.py --out data/demo --sets ptbxl
#   python tools/train.py configs/demo/ecgjepa_vit-xs-p25_1xb32-200it_demo-ptbxl.py --work-dir work_dirs/demo_ecgjepa
_base_ = [
    '../_base_/models/ecgjepa_vit-s.py',
    '../_base_/datasets/ecg_pretrain_demo.py',
    '../_base_/schedules/ecgjepa_adamw.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(arch=dict(_base_.ecg_archs['xs'], _delete_=True)),
             predictor=dict(predictor_dims=96, depth=4))
max_iters = 200
warmup_iters = 20
param_scheduler = [
    dict(type='WarmupCosineLR', start_factor=1e-3, warmup=warmup_iters, eta_min=1e-6, timing='ecgjepa',
         by_epoch=False, begin=0, end=max_iters),
    dict(type='CosineWeightDecay', eta_min_ratio=10., timing='ecgjepa', by_epoch=False, begin=0, end=max_iters),
]
train_cfg = dict(max_iters=max_iters)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(by_epoch=False, interval=100))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
