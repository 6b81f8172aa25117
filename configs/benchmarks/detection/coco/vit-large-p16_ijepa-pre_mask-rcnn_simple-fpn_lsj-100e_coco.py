# ViT-L/16: layer decay 0.8, drop path 0.4 (ViTDet's ViT-L setting).
_base_ = './vit-base-p16_ijepa-pre_mask-rcnn_simple-fpn_lsj-100e_coco.py'
model = dict(backbone=dict(arch='large', out_indices=(23, ), drop_path_rate=0.4), neck=dict(in_channels=1024))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.8))
