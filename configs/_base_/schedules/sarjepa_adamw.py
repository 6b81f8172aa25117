# SAR-JEPA optimisation (official Pretraining/main_pretrain.py, MAE's recipe): AdamW (betas 0.9, 0.95), base lr
# 1e-3 per 256 images (lr = 1e-3 x B / 256), weight decay 0.05 without decay on biases and norms, 20 linear
# warm-up epochs then cosine to 0, 300 epochs. fp32 here; "amp" configs set mmjepa's BF16OptimWrapper.
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='MergedGroupsOptimWrapperConstructor',  # mmengine's rules, one group per hyper-parameter set
    optimizer=dict(type='AdamW', lr=1e-3 * 300 / 256, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(bias_decay_mult=0., norm_decay_mult=0., flat_decay_mult=0.))
max_epochs = 300
warmup_epochs = 20
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0., by_epoch=True, begin=warmup_epochs,
         end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=256, enable=False)
