# The 1x schedule (12 COCO epochs at batch 16: 90k iterations, lr steps at 60k and 80k), same LSJ data.
_base_ = './vit-base-p16_ijepa-pre_mask-rcnn_simple-fpn_lsj-100e_coco.py'
max_iters = 90000
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False, milestones=[60000, 80000], gamma=0.1),
]
train_dataloader = dict(batch_size=2)
train_cfg = dict(max_iters=max_iters)
auto_scale_lr = dict(base_batch_size=16)
