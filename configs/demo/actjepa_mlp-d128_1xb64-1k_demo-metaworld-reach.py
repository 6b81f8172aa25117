# ACT-JEPA (https://arxiv.org/abs/2501.14622) on Meta-World v3 reach-v3, state observations (39-d), on the CPU:
# 20 noisy scripted-expert demonstrations, an ACT policy (per-step MLP encoder 128 wide, 2 encoder layers, two
# 2-layer chunk decoders, chunk k=10, history 1) with the JEPA term (weight 1) on the EMA latents of the next 10
# observations; 1000 iterations of batch 64, then 20 seeded rollouts (seeds 1000..1019) with chunk execution.
# Everything is configs/_base_/actjepa_mlp-d128_metaworld.py, whose single-task defaults are this demo's.
#   python tools/dataset_converters/collect_metaworld_demos.py data/metaworld/reach-v3 --tasks reach-v3 --episodes 20
#   python tools/train.py configs/demo/actjepa_mlp-d128_1xb64-1k_demo-metaworld-reach.py
#   python tools/test.py configs/demo/actjepa_mlp-d128_1xb64-1k_demo-metaworld-reach.py \
#       work_dirs/actjepa_mlp-d128_1xb64-1k_demo-metaworld-reach/iter_1000.pth
# The ACT baseline at the same budget: configs/demo/act_mlp-d128_1xb64-1k_demo-metaworld-reach.py (jepa_weight=0).
_base_ = ['../_base_/actjepa_mlp-d128_metaworld.py']
