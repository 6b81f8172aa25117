# MSTAR SOC few-shot classification (the SAR-JEPA protocol, arXiv 2311.15153): 10 vehicle classes, trained on
# `shots_per_class` (10 / 20 / 40) chips per class of the 17-degree depression set, tested on the whole
# 15-degree set, top-1 accuracy. MSTAR is not redistributable: bring your own copy, in class-folder layout
#   data/mstar_soc/train/<class>/*.jpeg   (17 deg: 2S1 BMP2 BRDM2 BTR60 BTR70 D7 T62 T72 ZIL131 ZSU234)
#   data/mstar_soc/test/<class>/*.jpeg    (15 deg)
# (the official code's MSTAR_SOC/TRAIN and TEST folders: set data_prefix='TRAIN' / 'TEST'). Labels follow the
# sorted folder names (CustomDataset), not the official code's order.
# As the official runs (Dassl, INPUT.TRANSFORMS []): a 128x128 centre crop of the chip (the target sits in the
# centre; all SOC chips are at least 128 px), resized to 224 (bicubic), no augmentation, pixels in [0, 1].
# Set input_size = 128 (and drop the Resize) to train at the chips' own resolution.
# The paper's other two sets use the same file with another data_root and num_classes:
#   FUSAR-Ship (10 classes; official New_FUSAR/Train and Val)  -> data/fusar_ship/{train,test}/<class>/
#   SAR-ACD (5 aircraft classes; the official code splits one images/<class>/ folder 10 % train / 90 % test
#   per class at random)                                     -> data/sar_acd/{train,test}/<class>/
dataset_type = 'CustomDataset'
data_root = 'data/mstar_soc/'
num_classes = 10
shots_per_class = 10
crop_size = 128
input_size = 224

data_preprocessor = dict(num_classes=num_classes, mean=[0.], std=[255.], to_rgb=False)

test_pipeline = [
    dict(type='StrictLoadImageFromFile', color_type='grayscale'),
    dict(type='CenterCrop', crop_size=crop_size),
    dict(type='Resize', scale=(input_size, input_size), backend='pillow', interpolation='bicubic'),
    dict(type='PackInputs'),
]
train_pipeline = test_pipeline
train_dataloader = dict(
    batch_size=50, num_workers=4, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='FewShotDataset', shots_per_class=shots_per_class, seed=0,
        dataset=dict(type=dataset_type, data_root=data_root, data_prefix='train', pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=50, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix='test', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator
