# seq-JEPA (arXiv 2505.03176, official code hafezgh/seq-jepa), 3DIEBench settings: ResNet-18 -> z_i (512); action
# embedding BN_noaffine(Linear_nobias(4 -> 128)) of the relative rotation quaternion; tokens [z_i; a_i] (640, the
# last observed view's action zeroed) with an [AGG] token through 3 transformer blocks (4 heads, FFN 2560) and a
# final LayerNorm -> agg; predictor [agg; a_{M->M+1}] 768 -> 1024 (BN, ReLU) -> 512; EMA ResNet (0.996 -> 1) on
# view M+1, batch norms on batch statistics; loss 1 - cos.
model = dict(
    type='SeqJEPA',
    backbone=dict(type='JEPAResNet', depth=18),
    aggregator=dict(type='ActionSequenceAggregator', action_dims=4, action_embed_dims=128, num_layers=3, num_heads=4),
    predictor=dict(type='MLPPredictor', hidden_dims=1024),
    # the official momentum: set after each optimizer step to the epoch's cosine value, 0.996 -> 1 over the epochs
    target_generator=dict(type='EMATargetGenerator', momentum=(0.996, 1.0), normalize=False, batch_stats=True,
                          schedule='epoch_cosine'),
    loss=dict(type='JEPAPredictionLoss', criterion='cosine'),
)
