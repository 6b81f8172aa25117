# Runtime of the downstream (transfer) configs, any scope: iteration-based logging and checkpoints (written
# atomically, the last one kept), the provenance of the pretrained checkpoint (pretrain_provenance.json, checkpoint
# meta) for the leaderboard, a fixed seed.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmjepa'], allow_failed_imports=False)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=10000, max_keep_ckpts=1, save_last=True,
                    backend_args=dict(backend='atomic_local')),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
custom_hooks = [dict(type='TransferProvenanceHook')]
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
