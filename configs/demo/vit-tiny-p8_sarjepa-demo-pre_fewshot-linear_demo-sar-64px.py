# SAR few-shot linear probe (10 / 20 / 40 labels per class) of the demo SAR-JEPA ViT-tiny/8: frozen online
# encoder, mean-pooled patch tokens, BN + linear; CPU, under a minute.
_base_ = ['./vit-tiny-p8_sarjepa-demo-pre_fewshot-ft_demo-sar-64px.py']
benchmark_meta = dict(task='fewshot-linear', dataset='demo-sar')
model = dict(
    backbone=dict(frozen_stages=6, drop_path_rate=0.),
    neck=[dict(type='GlobalAveragePooling'), dict(type='ClsBatchNormNeck', input_features=192)],
    head=dict(init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.))
