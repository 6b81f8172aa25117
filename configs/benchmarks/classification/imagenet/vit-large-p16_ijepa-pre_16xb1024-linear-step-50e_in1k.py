_base_ = './vit-base-p16_ijepa-pre_16xb1024-linear-step-50e_in1k.py'
model = dict(backbone=dict(arch='large', frozen_stages=24), neck=[dict(type='GlobalAveragePooling'),
             dict(type='ClsBatchNormNeck', input_features=1024)], head=dict(in_channels=1024))
