# Mask R-CNN on COCO with the I-JEPA TARGET encoder, ViTDet style: a simple feature pyramid (SimpleFPN) from
# the last ViT block (x4, x2, x1, x0.5 + max-pooled P6), conv heads with LN2d, large-scale jitter at 1024
# (scale 0.1-2.0), AdamW lr 1e-4 wd 0.1 with layer decay 0.7, batch 64, 100 epochs (184k iterations);
# box and mask AP (CocoMetric).
#   tools/dist_train.sh THIS 16 --cfg-options model.backbone.init_cfg.checkpoint=PRETRAIN.pth
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    'mmdet::common/lsj-100e_coco-instance.py',
]
custom_imports = dict(imports=['mmjepa', 'mmjepa.det'], allow_failed_imports=False)
pretrained = ''
# algorithm, arch, pretrain_epochs and pretrain_data of the leaderboard row come from the pretraining checkpoint's
# provenance (mmjepa/utils/provenance.py); setting them here overrides it.
benchmark_meta = dict(task='coco', dataset='standard')
custom_hooks = [dict(type='TransferProvenanceHook')]  # records that provenance in the work dir

image_size = (1024, 1024)
embed_dims = 768
norm_cfg = dict(type='LN2d', requires_grad=True)
batch_augments = [dict(type='BatchFixedSizePad', size=image_size, pad_mask=True)]
model = dict(
    data_preprocessor=dict(pad_size_divisor=32, batch_augments=batch_augments),
    backbone=dict(
        _delete_=True, type='mmpretrain.JEPAViT', arch='base', img_size=image_size, patch_size=16,
        out_type='featmap', out_indices=(11, ), final_norm=True, drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='target_generator.encoder.')),
    neck=dict(_delete_=True, type='SimpleFPN', in_channels=embed_dims, out_channels=256,
              scale_factors=(4.0, 2.0, 1.0, 0.5), num_outs=5),
    rpn_head=dict(num_convs=2),
    roi_head=dict(
        bbox_head=dict(type='Shared4Conv1FCBBoxHead', conv_out_channels=256, norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.1),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.7))
max_iters = 184375
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=250),
    dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False, milestones=[163889, 177546], gamma=0.1),
]
train_dataloader = dict(batch_size=4, num_workers=8)
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters, val_interval=5000)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=5000, max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
auto_scale_lr = dict(base_batch_size=64)
