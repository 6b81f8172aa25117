# I-JEPA ViT-B/16 at 224 px: context encoder, EMA target encoder, predictor (width 384), smooth-L1 loss.
model = dict(
    type='IJEPA',
    backbone=dict(type='JEPAViT', arch='base', img_size=224, patch_size=16),
    predictor=dict(type='JEPAPredictor', predictor_dims=384, depth=6),
    mask_sampler=dict(
        type='MultiBlockMaskSampler',
        num_targets=4,
        target_scale=(0.15, 0.2),
        target_aspect_ratio=(0.75, 1.5),
        context_scale=(0.85, 1.0),
        min_keep=10,
        placement='official'),
    target_generator=dict(type='EMATargetGenerator', momentum=(0.996, 1.0)),
    loss=dict(type='JEPAPredictionLoss', criterion='smooth_l1'),
)
