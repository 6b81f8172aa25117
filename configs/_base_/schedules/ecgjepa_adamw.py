# ECG-JEPA optimisation (official configs): AdamW (betas 0.9, 0.99, eps 1e-6), lr linear from 1e-6 to 1e-3 over
# 10k steps then cosine to 1e-6 (the official utils/schedules.py convention, timing='ecgjepa': step i, the cosine
# over T - W - 1 steps, so the last step runs at 1e-6), weight decay cosine from 0.01 up to 0.1, decay on Linear /
# Conv1d weights only
# (not on biases, norms, register and mask tokens), 100k steps, no gradient clipping. fp32 here; the "amp"
# configs set mmjepa's BF16OptimWrapper (bf16 autocast, as the official runs).
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='MergedGroupsOptimWrapperConstructor',  # mmengine's rules, one group per hyper-parameter set
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.99), eps=1e-6, weight_decay=0.01),
    paramwise_cfg=dict(bias_decay_mult=0., norm_decay_mult=0., flat_decay_mult=0.,
                       custom_keys={'register_tokens': dict(decay_mult=0.), 'mask_token': dict(decay_mult=0.)}))
max_iters = 100_000
warmup_iters = 10_000
param_scheduler = [
    dict(type='WarmupCosineLR', start_factor=1e-3, warmup=warmup_iters, eta_min=1e-6, timing='ecgjepa',
         by_epoch=False, begin=0, end=max_iters),
    dict(type='CosineWeightDecay', eta_min_ratio=10., timing='ecgjepa', by_epoch=False, begin=0, end=max_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
# The iteration-based checkpoint interval (default_hooks.checkpoint=dict(by_epoch=False, interval=5000)) is set by
# the configs: default_runtime.py defines default_hooks, and mmengine refuses a key defined by two bases.
