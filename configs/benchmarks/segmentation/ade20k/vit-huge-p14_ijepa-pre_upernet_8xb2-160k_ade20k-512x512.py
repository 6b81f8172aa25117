# ViT-H/14 (32 blocks): features of blocks 7, 15, 23, 31; the 512 crop gives a 36x36 grid (pos_embed resized).
_base_ = './vit-base-p16_ijepa-pre_upernet_8xb2-160k_ade20k-512x512.py'
model = dict(
    backbone=dict(arch='huge', patch_size=14, out_indices=(7, 15, 23, 31), drop_path_rate=0.3),
    neck=dict(embed_dim=1280), decode_head=dict(in_channels=[1280] * 4, channels=1024),
    auxiliary_head=dict(in_channels=1280))
optim_wrapper = dict(paramwise_cfg=dict(num_layers=32, layer_decay_rate=0.9))
