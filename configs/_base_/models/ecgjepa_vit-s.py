# ECG-JEPA ViT-S (arXiv 2410.13867), by default the official code kweimann/ECG-JEPA: 10 s x 500 Hz x 12 leads ->
# Conv1d(12 -> 384, k = stride = 25) = 200 tokens of 50 ms, one register token, a fixed 1-D interleaved sin/cos
# table (sin(p w0), cos(p w0), sin(p w1), ...), 8 pre-norm GELU blocks x 384 (6 heads) and no bias anywhere (the
# official `bias: False`: q/k/v, projections, MLP, LayerNorms, patch embedding, the predictor's embed / proj);
# predictor 192 wide, 8 blocks; the official init (trunc-normal 0.02, the residual projections attn.proj / MLP fc2
# at 0.02 / sqrt(2 x encoder depth), in the predictor too); 1-D masks keeping 15-25 % with masked runs of >= 10
# tokens; EMA target (0.998 -> 0.9995, updated at the start of each forward, the momentum indexed by forwards)
# after its final LayerNorm at the masked tokens; L1.
# Sizes of the reference (encoder width/depth/heads, predictor width/depth): XS 192/8/4, 96/8; S 384/8/6,
# 192/8; B 768/12/12, 384/12 (configs/ecgjepa/).
ecg_archs = dict(
    xs=dict(embed_dims=192, num_layers=8, num_heads=4, feedforward_channels=768),
    s=dict(embed_dims=384, num_layers=8, num_heads=6, feedforward_channels=1536),
    b=dict(embed_dims=768, num_layers=12, num_heads=12, feedforward_channels=3072),
)
ecg_block_cfg = dict(qkv_bias=False, proj_bias=False, ffn_bias=False, norm_bias=False)
ecg_pos_cfg = dict(interleave=True)
model = dict(
    type='ECGJEPA',
    data_preprocessor=dict(type='SignalDataPreprocessor'),
    backbone=dict(type='TokenTransformer', arch=ecg_archs['s'], num_register_tokens=1, block_cfg=ecg_block_cfg,
                  pos_cfg=ecg_pos_cfg, init_scheme='ecgjepa',
                  tokenizer=dict(type='SignalPatchEmbed', in_channels=12, patch_size=25, signal_length=5000,
                                 bias=False)),
    # init depth = the encoder's (the official predictor scales its residual projections by it)
    predictor=dict(type='JEPAPredictor', predictor_dims=192, depth=8, block_cfg=ecg_block_cfg, pos_cfg=ecg_pos_cfg,
                   init_scheme=dict(type='ecgjepa', depth=ecg_archs['s']['num_layers']), linear_bias=False),
    mask_sampler=dict(type='ContiguousRunMaskSampler', keep_ratio=(0.15, 0.25), min_run=10),
    target_generator=dict(type='EMATargetGenerator', momentum=(0.998, 0.9995), normalize=False,
                          update_at='next_forward'),
    loss=dict(type='JEPAPredictionLoss', criterion='l1'),
)
