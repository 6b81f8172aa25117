# ViT-L/16: blocks 7, 11, 15, 23, layer decay 0.9 (BEiT/MAE ViT-L setting), drop path 0.2.
_base_ = './vit-base-p16_ijepa-pre_upernet_8xb2-160k_ade20k-512x512.py'
model = dict(
    backbone=dict(arch='large', out_indices=(7, 11, 15, 23), drop_path_rate=0.2),
    neck=dict(embed_dim=1024), decode_head=dict(in_channels=[1024] * 4, channels=1024),
    auxiliary_head=dict(in_channels=1024))
optim_wrapper = dict(paramwise_cfg=dict(num_layers=24, layer_decay_rate=0.9))
