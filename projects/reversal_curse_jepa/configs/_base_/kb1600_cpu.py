# The study's CPU setting: a knowledge base of 1,000 group-A and 600 group-B entities with two-token names (each
# first and last name shared by 4 entities) and 2 relation pairs; 1,500 iterations at batch 256 (~150 passes over
# the 2,600 training facts), evaluated every 250 iterations on 600 facts per probe. The paper: 50k + 30k
# entities, 6 pairs, batch 1024, lr 1e-4, up to 3M steps (projects/reversal_curse_jepa/README.md lists every
# departure).
default_scope = 'mmpretrain'
custom_imports = dict(imports=['projects.reversal_curse_jepa'], allow_failed_imports=False)

kb = dict(num_group_a=1000, num_group_b=600, num_relation_pairs=2, name_tokens=2, name_multiplicity=4,
          probe_size=600, seed=0)
model = dict(kb=kb)

train_dataloader = dict(
    batch_size=256, num_workers=0, persistent_workers=False, collate_fn=dict(type='default_collate'),
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='ReversalFactDataset', kb=kb, split='train'))
val_dataloader = dict(
    batch_size=600, num_workers=0, persistent_workers=False, collate_fn=dict(type='default_collate'),
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ReversalFactDataset', kb=kb, split='probe'))
val_evaluator = dict(type='ReversalAccuracy')

max_iters = 1500
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=250)
val_cfg = dict(type='ValLoop')
# The paper's optimiser is AdamW with a constant lr after a warm-up; lr and weight decay are raised for a run of
# minutes (the paper: lr 1e-4, weight decay 0.1).
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=3e-3, betas=(0.9, 0.999), weight_decay=1.0),
                     clip_grad=dict(max_norm=1.0))
param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100)]

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),  # val metrics keyed by iteration
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters, max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork'), dist_cfg=dict(backend='gloo'))
visualizer = dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')])
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
