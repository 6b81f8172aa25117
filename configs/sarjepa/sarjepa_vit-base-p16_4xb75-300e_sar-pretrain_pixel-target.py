# Ablation: SAR-JEPA with pixel targets (MAE's per-patch normalised pixels, 256 values per 16 px patch) instead of
# the gradient operator: the speckle is then part of what the encoder must predict.
_base_ = ['./sarjepa_vit-base-p16_4xb75-300e_sar-pretrain.py']
model = dict(
    predictor=dict(out_dims=256),
    target_generator=dict(operator=dict(type='PixelTarget', patch_size=16, normalize=True, _delete_=True)))
