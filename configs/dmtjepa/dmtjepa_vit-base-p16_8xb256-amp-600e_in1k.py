# DMT-JEPA ViT-B/16, 224 px, ImageNet-1k, 600 epochs, 8 GPUs x 256, predictor depth 6 (official
# in1k_vitb16_ep600): the I-JEPA recipe with discriminative targets (k=4 neighbours in a 3x3 window) and the
# cross-attention aggregation head on both sides.
_base_ = ['../ijepa/ijepa_vit-base-p16_8xb256-amp-600e_in1k.py']
model = dict(
    type='DMTJEPA',
    agg_head=dict(type='LocalAggHead', depth=2, mlp_ratio=4., norm_eps=1e-6),
    target_generator=dict(
        type='DMTTargetGenerator',
        num_neighbours=4,
        window_size=3,
        border='wrap',  # official; 'clip' for no wrap-around at the borders
        official_query_order=False))  # True reproduces the official query-ordering bug
