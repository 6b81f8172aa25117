# ECG-JEPA attentive probe ("linear" evaluation, official configs/eval/linear.yaml): the encoder frozen, AdamW at a
# constant lr 1e-3 (betas 0.9, 0.999), weight decay 0.1 on Linear weights only, gradient clipping at norm 1,
# 5000 steps of 128; validation every 100 steps and the test on the best validation macro AUC (the official
# early stopping keeps the best checkpoint; its patience, 5000, never stops a 5000-step run).
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='FrozenSummaryOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.1),
    clip_grad=dict(max_norm=1.0),
    paramwise_cfg=dict(bias_decay_mult=0., norm_decay_mult=0., flat_decay_mult=0.,
                       custom_keys={'query_token': dict(decay_mult=0.)}))
max_iters = 5000
val_interval = 100
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0, end=max_iters)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict()
test_cfg = dict()
