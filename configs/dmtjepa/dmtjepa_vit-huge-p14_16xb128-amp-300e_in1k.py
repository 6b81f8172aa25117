# DMT-JEPA ViT-H/14, 224 px, ImageNet-1k, 300 epochs, 16 GPUs x 128, predictor depth 12 (official
# in1k_vith14_ep300). 16x16 patches: the neighbour tables work for any grid.
_base_ = ['../ijepa/ijepa_vit-huge-p14_16xb128-amp-300e_in1k.py']
model = dict(
    type='DMTJEPA',
    agg_head=dict(type='LocalAggHead', depth=2, mlp_ratio=4., norm_eps=1e-6),
    target_generator=dict(
        type='DMTTargetGenerator', num_neighbours=4, window_size=3, border='wrap', official_query_order=False))
