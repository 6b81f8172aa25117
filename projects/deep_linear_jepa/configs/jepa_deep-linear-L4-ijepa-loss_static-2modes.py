# The I-JEPA step's target and loss on a deep linear encoder: mmjepa's EMATargetGenerator with I-JEPA's
# non-affine LayerNorm of the targets and momentum 0.996, and JEPAPredictionLoss (smooth L1, the official code's
# criterion). The latent is 16 wide so the LayerNorm does not degenerate on two axes; the image masking and the
# transformer predictor of I-JEPA are not part of this probe (the study's README says why).
_base_ = ['./jepa_deep-linear-L4_static-2modes.py']
model = dict(width=16, target='ema', ema_momentum=0.996, target_norm=True,
             loss=dict(type='JEPAPredictionLoss', criterion='smooth_l1'))
train_cfg = dict(max_iters=4200)  # t = 2100, 1.5 times the stop-gradient model's later critical time
