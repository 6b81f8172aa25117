# EC-IJEPA on the I-JEPA recipe ijepa_vit-huge-p14_16xb128-amp-300e_in1k.py: the context encoder conditioned on the target positions, the
# target encoder on the context positions (conditioning tokens; mode='add' for the additive variant).
_base_ = ['../ijepa/ijepa_vit-huge-p14_16xb128-amp-300e_in1k.py']
model = dict(type='ECIJEPA', conditioner=dict(type='PositionConditioner', mode='tokens'))
