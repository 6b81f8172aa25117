# ECG-JEPA's attentive probe on PTB-XL's 2.5 s crops (official configs/eval/linear.yaml): the pretrained ViT-S
# *target* encoder (prefix 'target_generator.encoder.'), frozen, its register token kept in front of the 50 patch
# tokens; one learned query cross-attends to them (AttentivePoolingClsHead: no norm, no MLP) and a linear layer
# without bias classifies; logits averaged over the evaluation crops (CropAverageClassifier). The position
# table of a 2.5 s crop is the first 50 rows of the pretraining's 200-row table, as the official encoder takes it.
# The configs set model.data_preprocessor and head.num_classes from their dataset.
_base_ = ['./ecgjepa_vit-s.py']
pretrained = 'work_dirs/ecgjepa_vit-s-p25_8xb256-amp-100k_ecg-pretrain/iter_100000.pth'
backbone = dict(_base_.model.backbone, output_registers=True, frozen=True,
                init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='target_generator.encoder.'))
model = dict(
    _delete_=True,
    type='CropAverageClassifier',
    backbone=backbone,
    head=dict(type='AttentivePoolingClsHead', num_classes=71, in_channels=backbone['arch']['embed_dims'],
              num_heads=backbone['arch']['num_heads']))
