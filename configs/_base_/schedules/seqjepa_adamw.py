# seq-JEPA optimisation (the official 3DIEBench script's flags): AdamW, lr 4e-4, weight decay 1e-3 (not on biases and
# norms); the official warm-up: the lr set at the start of each of the first 20 epochs to 1e-5 + (4e-4 - 1e-5) e / 20
# (a step per epoch), then 4e-4 (the released loop resets it at every epoch, so its cosine scheduler has no effect);
# 1000 epochs. The released code builds Adam without weight decay for pretraining (the flags reach only the evaluation
# optimiser): reproduce it with --cfg-options optim_wrapper.optimizer.type=Adam optim_wrapper.optimizer.weight_decay=0
# (configs/seqjepa/README.md).
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='MergedGroupsOptimWrapperConstructor',  # mmengine's rules, one group per hyper-parameter set
    optimizer=dict(type='AdamW', lr=4e-4, weight_decay=1e-3),
    paramwise_cfg=dict(bias_decay_mult=0., norm_decay_mult=0., flat_decay_mult=0.))
max_epochs = 1000
warmup_epochs = 20
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-5 / 4e-4, by_epoch=True, begin=0, end=warmup_epochs),
]
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=512, enable=False)
