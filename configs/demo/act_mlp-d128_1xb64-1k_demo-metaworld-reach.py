# The ACT baseline of configs/demo/actjepa_mlp-d128_1xb64-1k_demo-metaworld-reach.py: the same policy, data and
# budget without the JEPA term (jepa_weight=0: no EMA target and no predictor are built).
#   python tools/train.py configs/demo/act_mlp-d128_1xb64-1k_demo-metaworld-reach.py
#   python tools/test.py configs/demo/act_mlp-d128_1xb64-1k_demo-metaworld-reach.py \
#       work_dirs/act_mlp-d128_1xb64-1k_demo-metaworld-reach/iter_1000.pth
_base_ = ['./actjepa_mlp-d128_1xb64-1k_demo-metaworld-reach.py']
model = dict(jepa_weight=0.0)
