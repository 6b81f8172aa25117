# I-JEPA ViT-B/16, 224 px, ImageNet-1k, 600 epochs, 8 GPUs x 256 (global batch 2048), predictor depth 6.
_base_ = [
    '../_base_/models/ijepa_vit-base-p16.py',
    '../_base_/datasets/imagenet_bs128_ijepa.py',
    '../_base_/schedules/ijepa_adamw.py',
    '../_base_/default_runtime.py',
]
optim_wrapper = dict(type='BF16OptimWrapper')  # bf16 autocast, no loss scaling (no host sync)
# Masks drawn per 256 images, this recipe's per-GPU batch (the official code releases no ViT-B/L config).
model = dict(predictor=dict(depth=6), mask_group_size=256)
train_dataloader = dict(batch_size=256)

max_epochs = 600
warmup_epochs = 40
param_scheduler = [
    dict(type='WarmupCosineLR', start_factor=0.2, warmup=warmup_epochs, eta_min=1e-6, by_epoch=True,
         begin=0, end=max_epochs, convert_to_iter_based=True),
    dict(type='CosineWeightDecay', eta_min_ratio=10., by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=2048, enable=False)
