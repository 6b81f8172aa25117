# DMT-JEPA ViT-tiny/8 on the embedded 64 px demo set (8x8 patch grid): the I-JEPA demo recipe with
# DMT-JEPA's targets and aggregation head (k=4 of the 3x3 neighbourhood, wrap-around).
_base_ = ['./ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py']
model = dict(
    type='DMTJEPA',
    agg_head=dict(type='LocalAggHead'),
    target_generator=dict(type='DMTTargetGenerator', num_neighbours=4, window_size=3, border='wrap'))
