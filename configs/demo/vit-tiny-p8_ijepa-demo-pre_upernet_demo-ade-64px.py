# UperNet on the embedded ADE20K-layout demo set (data/demo/ade, 8 classes + ignored background,
# reduce_zero_label) with the demo I-JEPA ViT-tiny/8 target encoder (6 blocks): blocks 1, 2, 3, 5 rescaled
# x4, x2, x1, x0.5, AdamW with layer decay 0.65, slide inference, mIoU. CPU, about a minute.
_base_ = ['../_base_/demo_transfer_runtime.py']
default_scope = 'mmseg'
# algorithm, arch, pretrain_epochs and pretrain_data of the leaderboard row come from the pretraining checkpoint's
# provenance (mmjepa/utils/provenance.py); setting them here overrides it.
benchmark_meta = dict(task='ade20k', dataset='demo')
classes = ('bar', 'crescent', 'cross', 'disc', 'ring', 'square', 'star', 'triangle')
palette = [[230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180],
           [70, 240, 240], [240, 50, 230]]
crop_size = (64, 64)
embed_dims = 192
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
        pad_val=0, seg_pad_val=255, size=crop_size),
    backbone=dict(
        type='mmpretrain.JEPAViT', arch={{_base_.demo_arch}}, img_size=crop_size, patch_size=8, out_type='featmap',
        out_indices=(1, 2, 3, 5), final_norm=True, drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint={{_base_.pretrained}}, prefix='target_generator.encoder.')),
    neck=dict(type='Feature2Pyramid', embed_dim=embed_dims, rescales=[4, 2, 1, 0.5], norm_cfg=norm_cfg),
    decode_head=dict(
        type='UPerHead', in_channels=[embed_dims] * 4, in_index=[0, 1, 2, 3], pool_scales=(1, 2, 3, 6),
        channels=64, dropout_ratio=0.1, num_classes=len(classes), norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='FCNHead', in_channels=embed_dims, in_index=2, channels=32, num_convs=1, concat_input=False,
        dropout_ratio=0.1, num_classes=len(classes), norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(43, 43)))

dataset_type = 'BaseSegDataset'
data_root = 'data/demo/ade/'
metainfo = dict(classes=classes, palette=palette)
train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='RandomResize', scale=crop_size, ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),  # the name MMSegInferencer looks for
    dict(type='Resize', scale=crop_size, keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, metainfo=metainfo, img_suffix='.png',
                 seg_map_suffix='.png', reduce_zero_label=True,
                 data_prefix=dict(img_path='images/training', seg_map_path='annotations/training'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, metainfo=metainfo, img_suffix='.png',
                 seg_map_suffix='.png', reduce_zero_label=True,
                 data_prefix=dict(img_path='images/validation', seg_map_path='annotations/validation'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

max_iters = 30
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.65))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=5),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=5, end=max_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
visualizer = dict(type='SegLocalVisualizer', vis_backends=[dict(type='LocalVisBackend')], name='visualizer')
