# ViT-L/16: layer decay 0.75 and 50 epochs, as in MAE's ViT-L recipe.
_base_ = './vit-base-p16_ijepa-pre_8xb128-coslr-100e_in1k.py'
model = dict(backbone=dict(arch='large', drop_path_rate=0.2), head=dict(in_channels=1024))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.75))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=45, by_epoch=True, begin=5, end=50, eta_min=1e-6,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=50)
