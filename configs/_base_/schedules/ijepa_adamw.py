# I-JEPA optimisation (official code): AdamW without decay on biases and 1-D parameters; lr linear warm-up
# 2e-4 -> 1e-3, then cosine to 1e-6; weight decay cosine *up* from 0.04 to 0.4 over the whole run.
# fp32 here; the GPU recipes ("amp" in their names) set mmjepa's BF16OptimWrapper (bf16 autocast, no loss scaling).
# Configs with another length redefine `param_scheduler` and `train_cfg` from their own epochs.
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='MergedGroupsOptimWrapperConstructor',  # mmengine's rules, 2 groups (decay / no decay)
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.04, fused=True),  # one fused kernel (CPU and GPU)
    paramwise_cfg=dict(bias_decay_mult=0., norm_decay_mult=0., flat_decay_mult=0.))

max_epochs = 300
warmup_epochs = 40
start_lr_ratio = 0.2  # 2e-4 / 1e-3
final_lr = 1e-6
final_weight_decay_ratio = 10.  # 0.4 / 0.04; groups without decay stay at 0

param_scheduler = [
    dict(type='WarmupCosineLR', start_factor=start_lr_ratio, warmup=warmup_epochs, eta_min=final_lr,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
    dict(type='CosineWeightDecay', eta_min_ratio=final_weight_decay_ratio, by_epoch=True, begin=0,
         end=max_epochs, convert_to_iter_based=True),
]

# mmengine's EpochBasedTrainLoop, plus exact mid-epoch resume from iteration checkpoints
train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs)
