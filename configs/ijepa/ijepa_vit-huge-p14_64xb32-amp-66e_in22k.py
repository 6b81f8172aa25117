# I-JEPA ViT-H/14, 224 px, ImageNet-22k, 66 epochs (the official "900e" checkpoint), 64 GPUs x 32,
# warm-up 3 epochs.
_base_ = [
    '../_base_/models/ijepa_vit-base-p16.py',
    '../_base_/datasets/imagenet_bs128_ijepa.py',
    '../_base_/schedules/ijepa_adamw.py',
    '../_base_/default_runtime.py',
]
optim_wrapper = dict(type='BF16OptimWrapper')  # bf16 autocast, no loss scaling (no host sync)
# Masks drawn per 32 images, the official per-GPU batch (in22k_vith14_ep66.yaml), on any number of GPUs.
model = dict(backbone=dict(arch='huge', patch_size=14), predictor=dict(depth=12), mask_group_size=32)
train_dataloader = dict(
    batch_size=32, dataset=dict(dataset=dict(type='ImageNet21k', data_root='data/imagenet21k/')))

max_epochs = 66
warmup_epochs = 3
param_scheduler = [
    dict(type='WarmupCosineLR', start_factor=0.2, warmup=warmup_epochs, eta_min=1e-6, by_epoch=True,
         begin=0, end=max_epochs, convert_to_iter_based=True),
    dict(type='CosineWeightDecay', eta_min_ratio=10., by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=2048, enable=False)
