# Fine-tuning of the demo I-JEPA ViT-tiny/8 on the embedded classification set, the full recipe scaled down:
# layer-wise lr decay 0.65, drop path 0.1, Mixup 0.8 / CutMix 1.0, label smoothing; CPU, ~1 min.
_base_ = ['../_base_/datasets/demo_cls_64px.py', '../_base_/demo_transfer_runtime.py']
default_scope = 'mmpretrain'
# algorithm, arch, pretrain_epochs and pretrain_data of the leaderboard row come from the pretraining checkpoint's
# provenance (mmjepa/utils/provenance.py); setting them here overrides it.
benchmark_meta = dict(task='finetune', dataset='demo')
embed_dims = 192
model = dict(
    type='ImageClassifier',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(
        type='JEPAViT', arch={{_base_.demo_arch}}, img_size=64, patch_size=8, out_type='featmap', final_norm=True,
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint={{_base_.pretrained}}, prefix='target_generator.encoder.')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=8, in_channels=embed_dims,
              loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
              init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]))
train_dataloader = dict(batch_size=32)
max_iters = 40
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05, betas=(0.9, 0.999)),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.65))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=5),
    dict(type='CosineAnnealingLR', T_max=max_iters - 5, by_epoch=False, begin=5, end=max_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict()
test_cfg = dict()
