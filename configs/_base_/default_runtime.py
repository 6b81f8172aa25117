# Runtime shared by mmjepa's pretraining configs.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmjepa'], allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Checkpoints are written to a temporary file and renamed into place (mmjepa's 'atomic_local' backend): a run
    # killed while saving leaves no truncated checkpoint and overwrites none.
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3, backend_args=dict(backend='atomic_local')),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
# A preempted job loses at most 500 iterations (`custom_hooks.0.interval`): the latest iteration checkpoint
# resumes mid-epoch exactly (ResumableEpochBasedTrainLoop, ResumableSampler, SeededDataset, RNGStateHook). Two are
# kept because mmengine deletes the oldest *before* writing the new one: with one, a kill during that save would
# leave no iteration checkpoint (and `last_checkpoint` pointing at the deleted file).
custom_hooks = [
    dict(type='CheckpointHook', by_epoch=False, interval=500, max_keep_ckpts=2, save_last=False,
         backend_args=dict(backend='atomic_local')),
    dict(type='RNGStateHook'),
    # Stop at a NaN/Inf loss, before any checkpoint of the diverged state is written: recorded on the device every
    # iteration, read every 50 (the logger's interval) and before every save, so the step has no host sync for it.
    dict(type='NonFiniteLossHook', interval=50),
    # Log train/rankme and train/feature_std of the target encoder every 50 iterations and warn on collapse
    # (the demo's healthy ViT-tiny measures RankMe 32-42 and std ~0.55, a collapsed one 1 and 0; larger encoders
    # measure more: see CollapseMonitorHook).
    dict(type='CollapseMonitorHook', interval=50, min_rank=10, min_std=0.1, max_tokens=2048),
    # The EMA target update right after each optimizer step (before the checkpoint hooks and the collapse monitor),
    # as the official code makes it; plain, DDP and FSDP models alike (see docs/reliability.md, EMA update).
    dict(type='TargetEMAHook'),
    # meta['provenance'] of every checkpoint (algorithm, arch, epochs, data, config): the leaderboard tables a
    # transfer of it under these (mmjepa/utils/provenance.py).
    dict(type='ProvenanceHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
# The official code seeds everything with 0.
randomness = dict(seed=0, diff_rank_seed=True)
