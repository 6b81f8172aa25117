# seq-JEPA optimisation (the official 3DIEBench script's flags): AdamW, lr 4e-4, weight decay 1e-3 (not on biases and
# norms), 20 linear warm-up epochs from 1e-5, then constant (the released training loop resets the lr to 4e-4 at
# every epoch after the warm-up, so its cosine scheduler has no effect); 1000 epochs. See configs/seqjepa/README.md
# for what the released code actually builds (Adam, no weight decay).
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='MergedGroupsOptimWrapperConstructor',  # mmengine's rules, one group per hyper-parameter set
    optimizer=dict(type='AdamW', lr=4e-4, weight_decay=1e-3),
    paramwise_cfg=dict(bias_decay_mult=0., norm_decay_mult=0., flat_decay_mult=0.))
max_epochs = 1000
warmup_epochs = 20
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-5 / 4e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=512, enable=False)
