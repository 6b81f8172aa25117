# The embedded demo set (tools/dataset_converters/make_demo_data.py writes it): 64 px synthetic shapes in
# mmpretrain's CustomDataset folder layout. Same augmentation as ImageNet pretraining.
dataset_type = 'CustomDataset'
data_root = 'data/demo/imagenet/'
crop_size = 64

data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=crop_size, crop_ratio_range=(0.3, 1.0), backend='pillow',
         interpolation='bilinear'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    # exact resume: mid-epoch skipping, and each sample's augmentation seeded by (seed, epoch, index)
    sampler=dict(type='ResumableSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='SeededDataset',
        dataset=dict(type=dataset_type, data_root=data_root, data_prefix='train', pipeline=train_pipeline)))
