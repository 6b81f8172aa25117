# Linear probe of the demo seq-JEPA ResNet-18 (width 16, CIFAR stem;
# configs/demo/seqjepa_resnet18-w16-cifar_1xb32-30e_demo-objects3d-32px.py) on the embedded classification set
# (64 px shapes, 8 classes): the frozen online encoder (seq-JEPA evaluates the online ResNet: prefix 'backbone.'),
# strictly loaded, global average pooling, BN + linear; CPU, ~1 min. mmpretrain's ResNet keys are unchanged, so
# the same init_cfg loads the encoder into mmseg / mmdet ResNets.
#   python tools/train.py THIS --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/seqjepa_demo/epoch_30.pth
_base_ = ['../_base_/datasets/demo_cls_64px.py', '../_base_/demo_transfer_runtime.py']
default_scope = 'mmpretrain'
benchmark_meta = dict(task='linear', dataset='demo')
feat_dims = 128
model = dict(
    type='ImageClassifier',
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(
        type='JEPAResNetCIFAR', depth=18, stem_channels=16, base_channels=16, frozen_stages=4, norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='work_dirs/seqjepa_demo/epoch_30.pth', prefix='backbone.')),
    neck=[dict(type='GlobalAveragePooling'), dict(type='ClsBatchNormNeck', input_features=feat_dims)],
    head=dict(type='LinearClsHead', num_classes=8, in_channels=feat_dims, loss=dict(type='CrossEntropyLoss'),
              init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))
max_iters = 20
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_iters, by_epoch=False, begin=0, end=max_iters)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict()
test_cfg = dict()
