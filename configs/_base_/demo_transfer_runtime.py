# Runtime of the demo transfer configs (any scope: the config sets default_scope): CPU-friendly, gloo for
# distributed runs, logs every few iterations, the last checkpoint only.
_base_ = ['./models/demo_vit-tiny-6.py']  # demo_arch, the demo pretraining's encoder
custom_imports = dict(imports=['mmjepa'], allow_failed_imports=False)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=5),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=10000, max_keep_ckpts=1, save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
# The provenance of the pretrained checkpoint (pretrain_provenance.json, checkpoint meta) for the leaderboard.
custom_hooks = [dict(type='TransferProvenanceHook')]
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='gloo'),
)
vis_backends = [dict(type='LocalVisBackend')]
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
# The demo pretraining run (`make demo` / `make benchmark-demo`) and its target encoder.
pretrained = 'work_dirs/demo_ijepa/epoch_60.pth'
