# I-JEPA fine-tuning on ImageNet-1k (MAE/BEiT recipe): TARGET encoder, average-pooled patch tokens, layer-wise
# lr decay 0.65, drop path 0.1, RandAugment, RandomErasing, Mixup 0.8 / CutMix 1.0, label smoothing 0.1,
# AdamW lr 2e-3 (batch 1024), 100 epochs (5 warm-up).
#   python tools/train.py THIS --cfg-options model.backbone.init_cfg.checkpoint=PRETRAIN.pth
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs64_swin_224.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmjepa'], allow_failed_imports=False)
pretrained = ''
# algorithm, arch, pretrain_epochs and pretrain_data of the leaderboard row come from the pretraining checkpoint's
# provenance (mmjepa/utils/provenance.py); setting them here overrides it.
benchmark_meta = dict(task='finetune', dataset='standard')
custom_hooks = [dict(type='TransferProvenanceHook')]  # records that provenance in the work dir

embed_dims = 768
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='JEPAViT', arch='base', img_size=224, patch_size=16, out_type='featmap', final_norm=True,
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='target_generator.encoder.')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead', num_classes=1000, in_channels=embed_dims,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]))

train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=128)
test_dataloader = val_dataloader

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05, betas=(0.9, 0.999)),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.65),
    clip_grad=None)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=95, by_epoch=True, begin=5, end=100, eta_min=1e-6,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=1)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3))
auto_scale_lr = dict(base_batch_size=1024)
randomness = dict(seed=0, diff_rank_seed=True)
