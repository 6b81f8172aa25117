# ECG-JEPA ViT-S (arXiv 2410.13867, official code kweimann/ECG-JEPA): 10 s x 500 Hz x 12 leads -> Conv1d(12 -> 384,
# k = stride = 25, no bias) = 200 tokens of 50 ms, one register token, fixed 1-D sin-cos table, 8 blocks x 384
# (6 heads), no qkv bias; predictor 192 wide, 8 blocks; 1-D masks keeping 15-25 % with masked runs of >= 10
# tokens; EMA target (0.998 -> 0.9995) after its final LayerNorm at the masked tokens; L1.
# Sizes of the reference (encoder width/depth/heads, predictor width/depth): XS 192/8/4, 96/8; S 384/8/6,
# 192/8; B 768/12/12, 384/12 (configs/ecgjepa/).
ecg_archs = dict(
    xs=dict(embed_dims=192, num_layers=8, num_heads=4, feedforward_channels=768),
    s=dict(embed_dims=384, num_layers=8, num_heads=6, feedforward_channels=1536),
    b=dict(embed_dims=768, num_layers=12, num_heads=12, feedforward_channels=3072),
)
model = dict(
    type='ECGJEPA',
    data_preprocessor=dict(type='SignalDataPreprocessor'),
    backbone=dict(type='TokenTransformer', arch=ecg_archs['s'], num_register_tokens=1,
                  block_cfg=dict(qkv_bias=False),
                  tokenizer=dict(type='SignalPatchEmbed', in_channels=12, patch_size=25, signal_length=5000,
                                 bias=False)),
    predictor=dict(type='JEPAPredictor', predictor_dims=192, depth=8),
    mask_sampler=dict(type='ContiguousRunMaskSampler', keep_ratio=(0.15, 0.25), min_run=10),
    target_generator=dict(type='EMATargetGenerator', momentum=(0.998, 0.9995), normalize=False),
    loss=dict(type='JEPAPredictionLoss', criterion='l1'),
)
