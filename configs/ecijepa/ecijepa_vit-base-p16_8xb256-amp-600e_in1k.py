# EC-IJEPA on the I-JEPA recipe ijepa_vit-base-p16_8xb256-amp-600e_in1k.py: the context encoder conditioned on the target positions, the
# target encoder on the context positions (conditioning tokens; mode='add' for the additive variant).
_base_ = ['../ijepa/ijepa_vit-base-p16_8xb256-amp-600e_in1k.py']
model = dict(type='ECIJEPA', conditioner=dict(type='PositionConditioner', mode='tokens'))
