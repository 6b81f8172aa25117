# T-JEPA optimisation (official scripts/launch_tjepa.sh, jannis): AdamW, lr 3.66e-4, no weight decay, 10 warm-up
# epochs from lr 0, then cosine to 0 at the end of the run (the official WarmupCosineSchedule with
# exp_ipe_scale=1, stepped after each optimizer step: step i runs at lr i / W x lr during the warm-up), 300
# epochs; no clipping here: the official exp_gradient_clipping=1 clamps the encoder's gradient elements only,
# which the model config does (model.backbone.grad_clamp=1.0). The official step 0 runs at AdamW's
# defaults (lr 1e-3, weight decay 1e-2), a bug fixed here (step 0 at lr 0); dict(type='OfficialFirstStepHook')
# appended to custom_hooks reproduces it (paramwise_cfg splits the groups it needs).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.0003658682841082736, weight_decay=0.),
    paramwise_cfg=dict(bias_decay_mult=0., norm_decay_mult=0., flat_decay_mult=0.))
max_epochs = 300
warmup_epochs = 10
param_scheduler = [
    dict(type='WarmupCosineLR', start_factor=0., warmup=warmup_epochs, eta_min=0., timing='mmengine',
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=512, enable=False)
