# The ACT-JEPA (https://arxiv.org/abs/2501.14622) policy, data, schedule and rollout evaluation on Meta-World v3
# state observations (39-d) that the demo (configs/demo/*metaworld-reach.py) and the multi-task subsets
# (configs/actjepa/*metaworld-mt*.py) share: a per-step MLP encoder 128 wide, 2 encoder layers, two 2-layer chunk
# decoders, chunk k=10, history 1, the JEPA term (weight 1) on the EMA latents of the next 10 observations,
# AdamW 3e-4 with a cosine schedule, batch 64, seeded rollouts (seeds 1000, ...) with chunk execution.
# A config built on it sets the tasks, data_root and iterations (the single-task defaults are reach-v3's);
# its ACT baseline sets model.jepa_weight=0 and nothing else.
_base_ = ['./default_runtime.py']

task = 'reach-v3'
chunk_size = 10
history = 1
jepa_weight = 1.0
max_iters = 1000
data_root = 'data/metaworld/reach-v3'

model = dict(
    type='ACTJEPA',
    backbone=dict(type='StateMLPEncoder', obs_dims=39, embed_dims=128, hidden_dims=256, num_heads=4),
    action_dims=4,
    chunk_size=chunk_size,
    history=history,
    jepa_weight=jepa_weight,
    encoder_layers=2,
    action_decoder=dict(num_layers=2),
    predictor=dict(num_layers=2),
    target_generator=dict(type='EMATargetGenerator', momentum=(0.996, 1.0), normalize=True),
    loss=dict(type='JEPAPredictionLoss', criterion='smooth_l1'),
    tasks=None)

dataset = dict(type='MetaWorldDemoDataset', data_root=data_root, chunk_size=chunk_size, history=history)
train_dataloader = dict(batch_size=64, num_workers=0, sampler=dict(type='InfiniteSampler', shuffle=True),
                        collate_fn=dict(type='default_collate'), dataset=dataset)
# mmengine needs a test dataloader beside the test loop; RolloutTestLoop does not iterate it (rollouts are its data).
test_dataloader = dict(batch_size=64, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
                       collate_fn=dict(type='default_collate'), dataset=dataset)
test_cfg = dict(type='RolloutTestLoop', tasks=[task], num_rollouts=20, seed=1000, max_steps=200, execution='chunk')
test_evaluator = dict(type='RolloutSuccessRate')

optim_wrapper = dict(optimizer=dict(type='AdamW', lr=3e-4, weight_decay=1e-4))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_iters, eta_min=1e-5, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)

# The shared runtime (atomic checkpoints, the safety hooks: iteration checkpoints, RNG state, non-finite guard, EMA,
# provenance), without the collapse monitor (no token features); the final checkpoint only, by iteration.
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
custom_hooks = [hook for hook in _base_.custom_hooks if hook['type'] != 'CollapseMonitorHook']
log_processor = dict(by_epoch=False)
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0, diff_rank_seed=False)
