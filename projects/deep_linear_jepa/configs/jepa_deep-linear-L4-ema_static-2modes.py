# Deep linear JEPA whose target is an EMA copy of the encoder (mmjepa's EMATargetGenerator, momentum 0.99 per
# step, no normalisation) instead of the stop-gradient online encoder.
_base_ = ['./jepa_deep-linear-L4_static-2modes.py']
model = dict(target='ema', ema_momentum=0.99)
train_cfg = dict(max_iters=4200)  # t = 2100, 1.5 times the stop-gradient model's later critical time
