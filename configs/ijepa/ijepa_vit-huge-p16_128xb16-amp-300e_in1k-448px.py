# I-JEPA ViT-H/16 at 448 px (28x28 patches), ImageNet-1k, 300 epochs, 128 GPUs x 16.
_base_ = [
    '../_base_/models/ijepa_vit-base-p16.py',
    '../_base_/datasets/imagenet_bs128_ijepa.py',
    '../_base_/schedules/ijepa_adamw.py',
    '../_base_/default_runtime.py',
]
crop_size = 448
optim_wrapper = dict(type='BF16OptimWrapper')  # bf16 autocast, no loss scaling (no host sync)
model = dict(
    backbone=dict(arch='huge', img_size=crop_size, patch_size=16),
    predictor=dict(depth=12),
    mask_group_size=16)  # masks drawn per 16 images, the official per-GPU batch (in1k_vith16-448_ep300.yaml)
train_dataloader = dict(
    batch_size=16,
    dataset=dict(dataset=dict(pipeline=[
        dict(type='StrictLoadImageFromFile'),
        dict(type='RandomResizedCrop', scale=crop_size, crop_ratio_range=(0.3, 1.0), backend='pillow',
             interpolation='bilinear'),
        dict(type='PackInputs'),
    ])))
auto_scale_lr = dict(base_batch_size=2048, enable=False)
