# I-JEPA ViT-tiny/8 (6 blocks) on the embedded 64 px demo set: runs on a laptop CPU in a few minutes.
# The official recipe, scaled down: the ViT-tiny width (192, 3 heads) with 6 blocks instead of 12 (half the
# cost per step), 8x8 patches, predictor 96 wide and 3 deep, min_keep 4 (a 64-patch grid cannot hold the
# official min_keep 10 for its ~10-patch target blocks), a 2-epoch warm-up, peak lr 2.5e-4 at batch 64 (5e-4
# drives RankMe from 38 to 17 within 10 epochs on the demo set; 2.5e-4 keeps it near 30), EMA 0.996 -> 1 as the
# official recipe; fp32 (CPU). 16 epochs of the 1,600 demo training images: 400 iterations.
# What its probe shows (and does not): docs/demo_probes.md.
_base_ = [
    '../_base_/models/ijepa_vit-base-p16.py',
    '../_base_/models/demo_vit-tiny-6.py',
    '../_base_/datasets/demo_ijepa.py',
    '../_base_/schedules/ijepa_adamw.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(arch=dict(_base_.demo_arch, _delete_=True), img_size=64, patch_size=8),
    predictor=dict(predictor_dims=96, depth=3),
    mask_sampler=dict(min_keep=4),
    target_generator=dict(momentum=(0.996, 1.0)))
optim_wrapper = dict(optimizer=dict(lr=2.5e-4))

max_epochs = 16
warmup_epochs = 2
param_scheduler = [
    dict(type='WarmupCosineLR', start_factor=0.2, warmup=warmup_epochs, eta_min=1e-6, by_epoch=True,
         begin=0, end=max_epochs, convert_to_iter_based=True),
    dict(type='CosineWeightDecay', eta_min_ratio=10., by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=4, max_keep_ckpts=2))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
# The collapse monitor once per epoch (25 iterations), so train/rankme and train/feature_std appear from the first
# epoch's last log line, with a stricter RankMe floor for D=192. The other runtime hooks are kept as they are.
custom_hooks = [dict(hook, interval=25, min_rank=20) if hook['type'] == 'CollapseMonitorHook' else hook
                for hook in _base_.custom_hooks]
