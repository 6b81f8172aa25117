# SAR few-shot fine-tuning (the SAR-JEPA protocol: 10 / 20 / 40 labels per class) of the demo SAR-JEPA ViT-tiny/8
# (configs/demo/sarjepa_vit-tiny-p8_1xb64-20e_demo-sar-64px.py) on the speckled demo set: the *online* encoder
# (prefix 'backbone.': SAR-JEPA has no EMA target), iRPE kept, mean-pooled patch tokens + LN (the official
# global_pool), linear head; CPU, about a minute.
#   python tools/train.py THIS --cfg-options train_dataloader.dataset.shots_per_class=20
_base_ = ['../_base_/datasets/sar_demo_fewshot.py', '../_base_/demo_transfer_runtime.py']
default_scope = 'mmpretrain'
benchmark_meta = dict(task='fewshot-finetune', dataset='demo-sar')
pretrained = 'work_dirs/demo_sarjepa/epoch_20.pth'
embed_dims = 192
rel_pos = dict(type='ContextualKeyRPE', ratio=1.9, shared_head=True, prefix_bucket=True)
backbone = dict(
    type='JEPAViT', arch={{_base_.demo_arch}}, img_size=64, patch_size=8, in_channels=1, mask_token=True,
    abs_pos=False, num_register_tokens=1, rel_pos=rel_pos, out_type='featmap', final_norm=True, drop_path_rate=0.1,
    init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.'))
model = dict(
    type='ImageClassifier',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=backbone,
    neck=[dict(type='GlobalAveragePooling'), dict(type='FeatureLayerNorm', num_features=embed_dims)],
    head=dict(type='LinearClsHead', num_classes={{_base_.num_classes}}, in_channels=embed_dims,
              loss=dict(type='CrossEntropyLoss'), init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]))
# the mask token is part of the pretrained encoder (strict transfer) but unused here: DDP must allow it
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
max_iters = 100
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.05, betas=(0.9, 0.999)),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.75))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=10),
    dict(type='CosineAnnealingLR', T_max=max_iters - 10, by_epoch=False, begin=10, end=max_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict()
test_cfg = dict()
