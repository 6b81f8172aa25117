# T-JEPA optimisation (official scripts/launch_tjepa.sh, jannis): AdamW, lr 3.66e-4, no weight decay, 10 warm-up
# epochs from 0 (here 1e-4 x lr), then cosine to 0 at the end of the run (the official WarmupCosineSchedule with
# exp_ipe_scale=1), 300 epochs; gradients clamped element-wise to +-1 (the official exp_gradient_clipping=1 hooks
# clamp the encoder's gradients; here every parameter's, by mmengine's clip_grad type='value').
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.0003658682841082736, weight_decay=0.),
    clip_grad=dict(type='value', clip_value=1.0))
max_epochs = 300
warmup_epochs = 10
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0., by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=512, enable=False)
