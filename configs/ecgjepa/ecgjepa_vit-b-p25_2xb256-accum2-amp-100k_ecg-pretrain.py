# ECG-JEPA ViT-B as released (official configs/pretrain/ViTB_all.yaml): the B encoder (768 x 12, 12 heads) and its
# predictor (384 x 12), batches of 512 per forward (2 GPUs x 256) with 2-step gradient accumulation (1024 per
# optimizer step, the loss divided by 2), 100k optimizer steps = 200k iterations, bf16. The schedules run on
# optimizer steps (accumulative_counts=2: warm-up 10k steps, cosine over T - W - 1); the EMA is updated at the
# start of every forward, so twice per optimizer step, its momentum indexed by forwards over 100k (the official
# momentum generator is advanced by every forward: it reaches 0.9995 at optimizer step 50k).
_base_ = ['./ecgjepa_vit-s-p25_8xb256-amp-100k_ecg-pretrain.py']
accumulative_counts = 2
steps = 100_000
max_iters = steps * accumulative_counts
model = dict(backbone=dict(arch=dict(_base_.ecg_archs['b'], _delete_=True)),
             predictor=dict(predictor_dims=384, depth=12, init_scheme=dict(type='ecgjepa', depth=12)),
             target_generator=dict(total_steps=steps))
optim_wrapper = dict(type='BF16OptimWrapper', accumulative_counts=accumulative_counts)
train_dataloader = dict(batch_size=256)
auto_scale_lr = dict(base_batch_size=1024, enable=False)
param_scheduler = [
    dict(type='WarmupCosineLR', start_factor=1e-3, warmup=10_000 * accumulative_counts, eta_min=1e-6,
         timing='ecgjepa', accumulative_counts=accumulative_counts, by_epoch=False, begin=0, end=max_iters),
    dict(type='CosineWeightDecay', eta_min_ratio=10., timing='ecgjepa', accumulative_counts=accumulative_counts,
         by_epoch=False, begin=0, end=max_iters),
]
train_cfg = dict(max_iters=max_iters)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=10_000))
