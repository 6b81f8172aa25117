# ECG-JEPA ViT-S (the base model config's size; 25-sample patches = 50 ms at 500 Hz), global batch 2048
# (8 GPUs x 256), 100k steps, bf16, on a mix of WFDB databases (configs/_base_/datasets/ecg_pretrain.py; the official 10 databases, 1.01M records).
_base_ = [
    '../_base_/models/ecgjepa_vit-s.py',
    '../_base_/datasets/ecg_pretrain.py',
    '../_base_/schedules/ecgjepa_adamw.py',
    '../_base_/default_runtime.py',
]
optim_wrapper = dict(type='BF16OptimWrapper')  # bf16 autocast, no loss scaling
train_dataloader = dict(batch_size=256)
auto_scale_lr = dict(base_batch_size=2048, enable=False)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=5000))
