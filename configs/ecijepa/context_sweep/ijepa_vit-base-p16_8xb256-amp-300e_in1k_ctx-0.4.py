# Context-size sweep (EC-IJEPA's robustness claim), I-JEPA baseline: ViT-B/16, 224 px, IN-1k, 300 epochs
# (the base schedule: warm-up 40, cosine), 8 GPUs x 256, predictor depth 6, and a context block of fixed
# scale s (min = max = s; official I-JEPA draws it in (0.85, 1.0)). The other scales of the sweep inherit this
# file. A block is at most (H-1) x (W-1) patches (official placement), so s = 1.0 means 13 x 13 of 14 x 14.
_base_ = [
    '../../_base_/models/ijepa_vit-base-p16.py',
    '../../_base_/datasets/imagenet_bs128_ijepa.py',
    '../../_base_/schedules/ijepa_adamw.py',
    '../../_base_/imagenet_runtime.py',
]
optim_wrapper = dict(type='BF16OptimWrapper')  # bf16 autocast, no loss scaling (no host sync)
model = dict(predictor=dict(depth=6), mask_sampler=dict(context_scale=(0.4, 0.4)))
train_dataloader = dict(batch_size=256)
auto_scale_lr = dict(base_batch_size=2048, enable=False)
