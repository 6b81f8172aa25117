# ECG-JEPA full fine-tuning (official configs/eval/finetune.yaml): AdamW (betas 0.9, 0.99), lr linear from 1e-6 to
# 1e-3 over 200 steps then cosine to 1e-5 at 10k steps, weight decay 0.01 on Linear / Conv1d weights only, no
# gradient clipping, batch 128; validation every 100 steps and the test on the best validation macro AUC (the
# official early stopping after 2000 steps without improvement: EarlyStoppingHook).
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='FrozenSummaryOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.99), weight_decay=0.01),
    paramwise_cfg=dict(bias_decay_mult=0., norm_decay_mult=0., flat_decay_mult=0.,
                       custom_keys={'register_tokens': dict(decay_mult=0.), 'mask_token': dict(decay_mult=0.),
                                    'query_token': dict(decay_mult=0.)}))
max_iters = 10_000
warmup_iters = 200
val_interval = 100
param_scheduler = [
    dict(type='WarmupCosineLR', start_factor=1e-3, warmup=warmup_iters, eta_min=1e-5, by_epoch=False, begin=0,
         end=max_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict()
test_cfg = dict()
