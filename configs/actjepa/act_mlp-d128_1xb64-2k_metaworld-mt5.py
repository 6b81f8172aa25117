# The ACT baseline of actjepa_mlp-d128_1xb64-2k_metaworld-mt5.py: the same task-conditioned policy, data, budget
# and rollouts without the JEPA term (jepa_weight=0: no EMA target and no predictor are built).
_base_ = ['./actjepa_mlp-d128_1xb64-2k_metaworld-mt5.py']
model = dict(jepa_weight=0.0)
