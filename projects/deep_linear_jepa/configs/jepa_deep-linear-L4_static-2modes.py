# Deep linear JEPA (stop-gradient target), depth 4, on the static linear model with two modes ordered oppositely
# in lambda and rho: mode 0 (lambda 1.0, rho 0.7) covaries more, mode 1 (lambda 0.6, rho 0.95) is more
# predictive. Plain SGD at lr 0.5 on minibatches of 256 approximates the gradient flow (time = lr * iterations);
# 3600 iterations reach t = 1800, 1.3 times the later critical time at depth 4. Other depths:
# --cfg-options model.depth=8 train_cfg.max_iters=8000 (run_study.py sets the lengths from the ODE).
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmjepa', 'projects.deep_linear_jepa'], allow_failed_imports=False)

lambdas = [1.0, 0.6]
rhos = [0.7, 0.95]
model = dict(type='DeepLinearSelfDistill', num_modes=len(lambdas), depth=4, objective='jepa', init_scale=0.01)
train_dataloader = dict(
    batch_size=256, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='LinearPairDataset', lambdas=lambdas, rhos=rhos, process='static', num_samples=100000))
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.5, momentum=0.0, weight_decay=0.0))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=3600)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1000),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=10 ** 9, save_last=True,
                    backend_args=dict(backend='atomic_local')),
)
custom_hooks = [dict(type='ModeProjectionHook', interval=20)]
env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='gloo'))
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
