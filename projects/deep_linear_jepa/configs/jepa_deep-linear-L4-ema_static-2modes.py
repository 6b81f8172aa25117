# Deep linear JEPA whose target is an EMA copy of the encoder (mmjepa's EMATargetGenerator, momentum 0.99 per
# step, no normalisation) instead of the stop-gradient online encoder.
_base_ = ['./jepa_deep-linear-L4_static-2modes.py']
model = dict(target='ema', ema_momentum=0.99)
