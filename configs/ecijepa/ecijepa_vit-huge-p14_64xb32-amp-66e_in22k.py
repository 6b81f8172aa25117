# EC-IJEPA on the I-JEPA recipe ijepa_vit-huge-p14_64xb32-amp-66e_in22k.py: the context encoder conditioned on the target positions, the
# target encoder on the context positions (conditioning tokens; mode='add' for the additive variant).
_base_ = ['../ijepa/ijepa_vit-huge-p14_64xb32-amp-66e_in22k.py']
model = dict(type='ECIJEPA', conditioner=dict(type='PositionConditioner', mode='tokens'))
