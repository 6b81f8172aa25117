# ACT-JEPA (https://arxiv.org/abs/2501.14622) as one multi-task policy on a 5-task Meta-World v3 subset (the first
# five MT10 tasks), state observations, CPU scale: 15 noisy scripted-expert demonstrations per task (seeds 0-14),
# the policy of configs/_base_/actjepa_mlp-d128_metaworld.py conditioned on the task (model.tasks: a learned task
# embedding added to the context tokens), 2000 iterations of batch 64, then 10 rollouts per task (seeds
# 1000-1009) with chunk execution. The ACT baseline: act_mlp-d128_1xb64-2k_metaworld-mt5.py (jepa_weight=0).
#   python tools/dataset_converters/collect_metaworld_demos.py data/metaworld/mt5 --episodes 15 \
#       --tasks reach-v3 push-v3 pick-place-v3 door-open-v3 drawer-open-v3
#   python tools/analysis_tools/rollout_sweep.py configs/actjepa/act_mlp-d128_1xb64-2k_metaworld-mt5.py \
#       configs/actjepa/actjepa_mlp-d128_1xb64-2k_metaworld-mt5.py --seeds 0 1 2 --work-dir work_dirs/sweep_mt5
_base_ = ['../_base_/actjepa_mlp-d128_metaworld.py']

tasks = ['reach-v3', 'push-v3', 'pick-place-v3', 'door-open-v3', 'drawer-open-v3']
max_iters = 2000
data_root = 'data/metaworld/mt5'

model = dict(tasks=tasks)
# every task of the folder must be in model.tasks (model_tasks gives each sample its task index)
dataset = dict(type='MetaWorldDemoDataset', data_root=data_root, model_tasks=tasks)
train_dataloader = dict(dataset=dataset)
test_dataloader = dict(dataset=dataset)
test_cfg = dict(tasks=tasks, num_rollouts=10)
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_iters, eta_min=1e-5, by_epoch=False)]
train_cfg = dict(max_iters=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
