# Mask R-CNN with a ViTDet simple feature pyramid on the embedded COCO-format demo set (data/demo/coco,
# 8 classes, RLE masks) with the demo I-JEPA ViT-tiny/8 target encoder: large-scale jitter at 64 px, layer
# decay 0.7, CocoMetric box + mask AP. Narrow heads so that it runs on a CPU in about a minute.
_base_ = ['../_base_/models/mask-rcnn_demo.py', '../_base_/demo_transfer_runtime.py']
default_scope = 'mmdet'
custom_imports = dict(imports=['mmjepa', 'mmjepa.det'], allow_failed_imports=False)
# algorithm, arch, pretrain_epochs and pretrain_data of the leaderboard row come from the pretraining checkpoint's
# provenance (mmjepa/utils/provenance.py); setting them here overrides it.
benchmark_meta = dict(task='coco', dataset='demo')
classes = ('bar', 'crescent', 'cross', 'disc', 'ring', 'square', 'star', 'triangle')
image_size = (64, 64)
embed_dims = 192
channels = 64
norm_cfg = dict(type='LN2d', requires_grad=True)
model = dict(
    data_preprocessor=dict(
        pad_size_divisor=32, batch_augments=[dict(type='BatchFixedSizePad', size=image_size, pad_mask=True)]),
    backbone=dict(
        type='mmpretrain.JEPAViT', arch={{_base_.demo_arch}}, img_size=image_size, patch_size=8,
        out_type='featmap', out_indices=(5, ), final_norm=True, drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint={{_base_.pretrained}}, prefix='target_generator.encoder.')),
    # patch 8: x2, x1, x0.5, x0.25 give strides 4-32 (x4 ... x0.5 for patch 16)
    neck=dict(type='SimpleFPN', in_channels=embed_dims, out_channels=channels,
              scale_factors=(2.0, 1.0, 0.5, 0.25), num_outs=5),
    rpn_head=dict(in_channels=channels, feat_channels=channels, num_convs=2,
                  anchor_generator=dict(scales=[4])),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=channels),
        bbox_head=dict(type='Shared4Conv1FCBBoxHead', in_channels=channels, conv_out_channels=channels,
                       fc_out_channels=128, norm_cfg=norm_cfg, num_classes=len(classes)),
        mask_roi_extractor=dict(out_channels=channels),
        mask_head=dict(in_channels=channels, conv_out_channels=channels, norm_cfg=norm_cfg,
                       num_classes=len(classes))),
    train_cfg=dict(rpn=dict(sampler=dict(num=64)), rcnn=dict(sampler=dict(num=64))),
    # score_thr 0: after 30 CPU iterations every class score is under mmdet's usual 0.05, which would leave
    # CocoMetric nothing to score; the 20 best detections per image are kept instead, so AP is measured.
    test_cfg=dict(rcnn=dict(score_thr=0.0, max_per_img=20)))

dataset_type = 'CocoDataset'
data_root = 'data/demo/coco/'
metainfo = dict(classes=classes)
train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomResize', scale=image_size, ratio_range=(0.5, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_type='absolute_range', crop_size=image_size, recompute_bbox=True,
         allow_negative_crop=True),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1e-2, 1e-2)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),  # DetInferencer looks for this name
    dict(type='Resize', scale=image_size, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=4, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(type=dataset_type, data_root=data_root, metainfo=metainfo,
                 ann_file='annotations/instances_train.json', data_prefix=dict(img='train/'),
                 filter_cfg=dict(filter_empty_gt=True, min_size=8), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=2, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, metainfo=metainfo,
                 ann_file='annotations/instances_val.json', data_prefix=dict(img='val/'), test_mode=True,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/instances_val.json',
                     metric=['bbox', 'segm'], format_only=False)
test_evaluator = val_evaluator

max_iters = 30
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, betas=(0.9, 0.999), weight_decay=0.1),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.7))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=5),
    dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False, milestones=[24], gamma=0.1),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
log_processor = dict(by_epoch=False)
visualizer = dict(type='DetLocalVisualizer', vis_backends=[dict(type='LocalVisBackend')], name='visualizer')
