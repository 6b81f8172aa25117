# I-JEPA linear probe on ImageNet-1k (the paper's protocol): frozen TARGET encoder, average-pooled
# last-layer patch tokens (no [cls] token), BatchNorm without affine + linear classifier; LARS, batch 16384,
# 50 epochs, lr / 10 every 15 epochs.
#   python tools/train.py THIS --cfg-options model.backbone.init_cfg.checkpoint=PRETRAIN.pth
# prefix 'backbone.' selects the context encoder (or a backbone-only file of tools/model_converters).
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32_pil_resize.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmjepa'], allow_failed_imports=False)
pretrained = ''  # an mmjepa pretraining checkpoint
# algorithm, arch, pretrain_epochs and pretrain_data of the leaderboard row come from the pretraining checkpoint's
# provenance (mmjepa/utils/provenance.py); setting them here overrides it.
benchmark_meta = dict(task='linear', dataset='standard')
custom_hooks = [dict(type='TransferProvenanceHook')]  # records that provenance in the work dir

embed_dims = 768
num_layers = 12
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='JEPAViT', arch='base', img_size=224, patch_size=16, out_type='featmap', final_norm=True,
        frozen_stages=num_layers,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='target_generator.encoder.')),
    neck=[dict(type='GlobalAveragePooling'), dict(type='ClsBatchNormNeck', input_features=embed_dims)],
    head=dict(
        type='LinearClsHead', num_classes=1000, in_channels=embed_dims,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))

train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=1024, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=256, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    _delete_=True, type='OptimWrapper',
    optimizer=dict(type='LARS', lr=0.05, weight_decay=0.0005, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[15, 30, 45], gamma=0.1)]
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=5)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=2))
auto_scale_lr = dict(base_batch_size=16384)
randomness = dict(seed=0, diff_rank_seed=True)
