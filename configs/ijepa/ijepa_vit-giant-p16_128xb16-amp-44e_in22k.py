# I-JEPA ViT-g/16, 224 px, ImageNet-22k, 44 epochs (the official "600e" checkpoint), 128 GPUs x 16,
# predictor depth 16, warm-up 3 epochs.
_base_ = ['./ijepa_vit-huge-p14_64xb32-amp-66e_in22k.py']
# Masks drawn per 16 images, the official per-GPU batch (in22k_vitg16_ep44.yaml).
model = dict(backbone=dict(arch='giant', patch_size=16), predictor=dict(depth=16), mask_group_size=16)
train_dataloader = dict(batch_size=16)

max_epochs = 44
warmup_epochs = 3
param_scheduler = [
    dict(type='WarmupCosineLR', start_factor=0.2, warmup=warmup_epochs, eta_min=1e-6, by_epoch=True,
         begin=0, end=max_epochs, convert_to_iter_based=True),
    dict(type='CosineWeightDecay', eta_min_ratio=10., by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
