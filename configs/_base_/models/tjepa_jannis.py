# T-JEPA (arXiv 2410.05016, official code jose-melo/t-jepa, scripts/launch_tjepa.sh) on jannis (54 numeric
# columns), as the official code computes it: FT-Transformer tokens (x_j W_j + b_j; one embedding table per
# categorical column) plus the official sin-cos table (interleaved, base 100; the features on rows 1..D, row 0
# being the [CLS] token's), one regularisation token (the official [CLS]; here a register token: prepended,
# never masked), 16 post-norm ReLU blocks x 64 (nn.TransformerEncoderLayer: 2 heads, FF 64, dropout 0.00185 on
# the attention weights, after the attention and in the FF) then LN-Linear-LN; predictor 16 wide, 16 post-norm
# ReLU blocks, 4 heads, FF 256 (the official default pred_dim_feedforward), its LN-Linear-LN head, LN, Linear,
# [sin | cos] positions (base 10000, the features on rows 1..D); the official init ('tjepa': truncated normal
# 0.02 on Linear / Embedding, PyTorch's xavier_uniform q/k/v shared by the cloned blocks); per row a context of
# 14-37 % of the features and 4 independent target sets of 16-62 % of the others; EMA target (0.996 -> 1) of the
# full row, no further normalisation; MSE; the encoder's gradient elements clamped to +-1 (the official hooks).
# configs/tjepa/README.md lists the departures.
num_numeric = 54
cardinalities = []
tjepa_arch = dict(embed_dims=64, num_layers=16, num_heads=2, feedforward_channels=64)
encoder_dropout = 0.0018542257314766695  # MODEL_DROPOUT_PROB
predictor_dropout = 0.0019307456645321797  # PRED_P_DROPOUT
model = dict(
    type='TJEPA',
    data_preprocessor=dict(type='TabularDataPreprocessor'),
    backbone=dict(type='TokenTransformer', arch=tjepa_arch, num_register_tokens=1, abs_pos=False, out_proj=True,
                  norm_cfg=dict(type='LN', eps=1e-5),
                  block_cfg=dict(norm='post', act_cfg=dict(type='ReLU'), attn_drop=encoder_dropout,
                                 drop=encoder_dropout),
                  init_scheme='tjepa',
                  grad_clamp=1.0,  # EXP_GRADIENT_CLIPPING: the encoder's gradient elements clamped to +-1
                  tokenizer=dict(type='TabularTokenizer', num_numeric=num_numeric, cardinalities=cardinalities,
                                 num_cls_tokens=0, pos_embed=True, pos_offset=1)),
    predictor=dict(type='JEPAPredictor', predictor_dims=16, depth=16, num_heads=4, mlp_ratio=16.,
                   norm_cfg=dict(type='LN', eps=1e-5),
                   block_cfg=dict(norm='post', act_cfg=dict(type='ReLU'), attn_drop=predictor_dropout,
                                  drop=predictor_dropout),
                   out_head=True, pos_cfg=dict(offset=1), init_scheme='tjepa'),
    mask_sampler=dict(type='FeatureSubsetMaskSampler', context_share=(0.13628, 0.36819),
                      target_share=(0.15563, 0.62223), num_targets=4),
    target_generator=dict(type='EMATargetGenerator', momentum=(0.996, 1.0), normalize=False),
    loss=dict(type='JEPAPredictionLoss', criterion='l2'),
)
