# EC-IJEPA ViT-tiny/8 on the embedded 64 px demo set: the I-JEPA demo recipe with encoders conditioned on
# the other window's positions (conditioning tokens; mode='add' for the additive variant).
# Context-size sweep on the demo: --cfg-options model.mask_sampler.context_scale="(0.4,0.4)" (0.4 ... 1.0),
# the same option on the I-JEPA demo config for the baseline.
_base_ = ['./ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py']
model = dict(type='ECIJEPA', conditioner=dict(type='PositionConditioner', mode='tokens'))
