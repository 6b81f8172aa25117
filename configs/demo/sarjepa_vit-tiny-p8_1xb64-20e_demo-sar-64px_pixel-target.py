# The demo SAR-JEPA with pixel targets (normalised 8x8 patches, 64 values) instead of the ratio-of-averages
# gradients, at the same encoder, masks and budget: the ablation of the paper's central claim under speckle.
_base_ = ['./sarjepa_vit-tiny-p8_1xb64-20e_demo-sar-64px.py']
model = dict(
    predictor=dict(out_dims=64),
    target_generator=dict(operator=dict(type='PixelTarget', patch_size=8, normalize=True, _delete_=True)))
