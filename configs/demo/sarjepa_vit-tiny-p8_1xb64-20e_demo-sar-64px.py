# SAR-JEPA ViT-tiny/8 (6 blocks) on the embedded speckled SAR-like demo set (64 px, one channel, 8x8 patch grid):
# the official recipe scaled to the CPU: 4 windows of 4x4 patches (the official 7x7 windows are half the 14x14
# grid's side), 80 % hidden (12 of 16), gradient radii halved with the patch (r = 2, 4, 6, 8 on 8 px patches:
# 4 x 64 = 256 values per patch), predictor 96 wide and 3 deep, lr 5e-4 at batch 64, 3 warm-up epochs.
#   python tools/dataset_converters/make_demo_data.py --out data/demo --sets sar
#   python tools/train.py configs/demo/sarjepa_vit-tiny-p8_1xb64-20e_demo-sar-64px.py
_base_ = [
    '../_base_/models/sarjepa_vit-base-p16.py',
    '../_base_/models/demo_vit-tiny-6.py',
    '../_base_/datasets/sar_demo_pretrain.py',
    '../_base_/schedules/sarjepa_adamw.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(arch=dict(_base_.demo_arch, _delete_=True), img_size=64, patch_size=8),
    predictor=dict(predictor_dims=96, depth=3, num_heads=3, out_dims=256),
    mask_sampler=dict(window_size=4),
    target_generator=dict(operator=dict(patch_size=8, radii=(2, 4, 6, 8))))
optim_wrapper = dict(optimizer=dict(lr=5e-4))
max_epochs = 20
warmup_epochs = 2
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=1e-6, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=10))
