# I-JEPA ViT-H/14, 224 px, ImageNet-1k, 300 epochs, 16 GPUs x 128 (official in1k_vith14_ep300).
_base_ = [
    '../_base_/models/ijepa_vit-base-p16.py',
    '../_base_/datasets/imagenet_bs128_ijepa.py',
    '../_base_/schedules/ijepa_adamw.py',
    '../_base_/default_runtime.py',
]
optim_wrapper = dict(type='BF16OptimWrapper')  # bf16 autocast, no loss scaling (no host sync)
# Masks drawn per 128 images, the official per-GPU batch (in1k_vith14_ep300.yaml), on any number of GPUs.
model = dict(
    backbone=dict(arch='huge', patch_size=14),
    predictor=dict(depth=12),
    mask_group_size=128)
# The official recipe's global batch; `--auto-scale-lr` rescales the lr for another one.
auto_scale_lr = dict(base_batch_size=2048, enable=False)
