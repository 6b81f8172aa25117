# Context-size sweep, EC-IJEPA at context scale 0.4: the I-JEPA sweep config of the same scale with
# position-conditioned encoders.
_base_ = ['./ijepa_vit-base-p16_8xb256-amp-300e_in1k_ctx-0.4.py']
model = dict(type='ECIJEPA', conditioner=dict(type='PositionConditioner', mode='tokens'))
