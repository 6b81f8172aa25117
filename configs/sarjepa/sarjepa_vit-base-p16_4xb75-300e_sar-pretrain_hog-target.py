# Ablation: SAR-JEPA with MaskFeat's HOG targets (9 bins, 8 px cells: 4 cells x 9 = 36 values per 16 px patch)
# instead of the multi-scale ratio-of-averages gradients; everything else as the main config.
_base_ = ['./sarjepa_vit-base-p16_4xb75-300e_sar-pretrain.py']
model = dict(
    predictor=dict(out_dims=36),
    target_generator=dict(operator=dict(type='HOGTarget', patch_size=16, nbins=9, pool=8, _delete_=True)))
