# Linear probe of the demo I-JEPA ViT-tiny/8 (configs/demo/ijepa_vit-tiny-p8_1xb64-60e_demo-64px.py) on the
# embedded classification set: frozen target encoder, average-pooled patch tokens, BN + linear; CPU, ~1 min.
#   python tools/train.py THIS --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/demo_ijepa/epoch_60.pth
#   python tools/test.py THIS WORK_DIR/iter_20.pth --work-dir WORK_DIR   (writes WORK_DIR/test_metrics.json)
_base_ = ['../_base_/datasets/demo_cls_64px.py', '../_base_/demo_transfer_runtime.py']
default_scope = 'mmpretrain'
# algorithm, arch, pretrain_epochs and pretrain_data of the leaderboard row come from the pretraining checkpoint's
# provenance (mmjepa/utils/provenance.py); setting them here overrides it.
benchmark_meta = dict(task='linear', dataset='demo')
embed_dims = 192
model = dict(
    type='ImageClassifier',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(
        type='JEPAViT', arch={{_base_.demo_arch}}, img_size=64, patch_size=8, out_type='featmap', final_norm=True,
        frozen_stages=6,
        init_cfg=dict(type='Pretrained', checkpoint={{_base_.pretrained}}, prefix='target_generator.encoder.')),
    neck=[dict(type='GlobalAveragePooling'), dict(type='ClsBatchNormNeck', input_features=embed_dims)],
    head=dict(type='LinearClsHead', num_classes=8, in_channels=embed_dims, loss=dict(type='CrossEntropyLoss'),
              init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))
max_iters = 20  # ~1 epoch of the 1,600-image set at batch 64 (CPU: keep the demo short)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_iters, by_epoch=False, begin=0, end=max_iters)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict()
test_cfg = dict()
