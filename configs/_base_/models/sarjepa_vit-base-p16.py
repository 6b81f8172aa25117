# SAR-JEPA ViT-B/16 at 224 px, one channel (arXiv 2311.15153, official code waterdisappear/SAR-JEPA): 4 local
# windows of 7x7 patches, 80 % of each hidden behind the encoder's mask token; iRPE on keys in every encoder and
# predictor block (product method, contextual, shared heads, ratio 1.9) and no absolute position; one prefix
# token in the place of the official cls token (attended to, iRPE's extra bucket, dropped at the output);
# predictor 768 -> 512, 8 blocks (16 heads), -> 1024 = 4 radii x 16 x 16 ratio-of-averages gradient values per
# patch; MSE over the hidden patches. Pixels stay in [0, 1] (the operator takes logs of box means + 0.01).
rel_pos = dict(type='ContextualKeyRPE', ratio=1.9, shared_head=True, prefix_bucket=True)
model = dict(
    type='SARJEPA',
    data_preprocessor=dict(type='SelfSupDataPreprocessor', mean=[0.], std=[255.], to_rgb=False),
    # the official init: MAE's (Xavier-uniform Linear and patch embedding, zero biases)
    backbone=dict(type='JEPAViT', arch='base', img_size=224, patch_size=16, in_channels=1, mask_token=True,
                  abs_pos=False, num_register_tokens=1, rel_pos=rel_pos, init_scheme='mae'),
    predictor=dict(type='TokenPredictor', predictor_dims=512, depth=8, num_heads=16, out_dims=1024, rel_pos=rel_pos,
                   init_scheme='mae'),
    mask_sampler=dict(type='LocalWindowMaskSampler', window_size=7, num_windows=4, mask_ratio=0.8),
    target_generator=dict(type='FixedTargetGenerator',
                          operator=dict(type='ROAGradientTarget', patch_size=16, radii=(5, 9, 13, 17), eps=0.01)),
    loss=dict(type='JEPAPredictionLoss', criterion='l2'),
)
