# UperNet on ADE20K with the I-JEPA TARGET encoder (BEiT/MAE protocol): features of blocks 3, 5, 7, 11
# rescaled x4, x2, x1, x0.5 (Feature2Pyramid), 512x512 crops, AdamW lr 1e-4 with layer decay 0.65, 160k
# iterations, sliding-window inference, mIoU.
#   tools/dist_train.sh THIS 8 --cfg-options model.backbone.init_cfg.checkpoint=PRETRAIN.pth
_base_ = [
    'mmseg::_base_/datasets/ade20k.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_160k.py',
]
custom_imports = dict(imports=['mmjepa'], allow_failed_imports=False)
pretrained = ''
# algorithm, arch, pretrain_epochs and pretrain_data of the leaderboard row come from the pretraining checkpoint's
# provenance (mmjepa/utils/provenance.py); setting them here overrides it.
benchmark_meta = dict(task='ade20k', dataset='standard')
custom_hooks = [dict(type='TransferProvenanceHook')]  # records that provenance in the work dir

crop_size = (512, 512)
embed_dims = 768
num_layers = 12
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
        pad_val=0, seg_pad_val=255, size=crop_size),
    pretrained=None,
    backbone=dict(
        type='mmpretrain.JEPAViT', arch='base', img_size=crop_size, patch_size=16, out_type='featmap',
        out_indices=(3, 5, 7, 11), final_norm=True, drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='target_generator.encoder.')),
    neck=dict(type='Feature2Pyramid', embed_dim=embed_dims, rescales=[4, 2, 1, 0.5], norm_cfg=norm_cfg),
    decode_head=dict(
        type='UPerHead', in_channels=[embed_dims] * 4, in_index=[0, 1, 2, 3], pool_scales=(1, 2, 3, 6),
        channels=768, dropout_ratio=0.1, num_classes=150, norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='FCNHead', in_channels=embed_dims, in_index=2, channels=256, num_convs=1, concat_input=False,
        dropout_ratio=0.1, num_classes=150, norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(341, 341)))

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(num_layers=num_layers, layer_decay_rate=0.65))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1500, end=160000),
]
train_dataloader = dict(batch_size=2)
val_dataloader = dict(batch_size=1)
test_dataloader = val_dataloader
