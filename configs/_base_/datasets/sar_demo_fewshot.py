# SAR few-shot classification (the SAR-JEPA protocol, arXiv 2311.15153) on the embedded SAR-like demo set:
# train = `shots_per_class` labelled images per class of data/demo/sar/train (FewShotDataset, seeded), val =
# the whole data/demo/sar/val split, top-1 accuracy. 8 classes, 64 px, one channel.
# The paper reports 10 / 20 / 40 labels per class: override with
#   --cfg-options train_dataloader.dataset.shots_per_class=20 train_dataloader.dataset.seed=1
# As the official few-shot runs (few_shot_classification/, Dassl with INPUT.TRANSFORMS []): no augmentation,
# pixels in [0, 1] (the scale the encoder was pretrained on, see sar_demo_pretrain.py); `augment_pipeline`
# is the pretraining augmentation, for those who want it on the few labelled images.
dataset_type = 'CustomDataset'
data_root = 'data/demo/sar/'
num_classes = 8
shots_per_class = 10
crop_size = 64

data_preprocessor = dict(num_classes=num_classes, mean=[0.], std=[255.], to_rgb=False)

train_pipeline = [
    dict(type='StrictLoadImageFromFile', color_type='grayscale'),
    dict(type='PackInputs'),
]
augment_pipeline = [
    dict(type='StrictLoadImageFromFile', color_type='grayscale'),
    dict(type='RandomResizedCrop', scale=crop_size, crop_ratio_range=(0.2, 1.0), backend='pillow',
         interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomContrast', contrast=0.5),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='StrictLoadImageFromFile', color_type='grayscale'),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='FewShotDataset', shots_per_class=shots_per_class, seed=0,
        dataset=dict(type=dataset_type, data_root=data_root, data_prefix='train', pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=64, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix='val', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator
