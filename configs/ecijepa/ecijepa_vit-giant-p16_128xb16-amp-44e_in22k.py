# EC-IJEPA on the I-JEPA recipe ijepa_vit-giant-p16_128xb16-amp-44e_in22k.py: the context encoder conditioned on the target positions, the
# target encoder on the context positions (conditioning tokens; mode='add' for the additive variant).
_base_ = ['../ijepa/ijepa_vit-giant-p16_128xb16-amp-44e_in22k.py']
model = dict(type='ECIJEPA', conditioner=dict(type='PositionConditioner', mode='tokens'))
