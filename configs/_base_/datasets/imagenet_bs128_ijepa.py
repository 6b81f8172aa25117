# ImageNet-1k for I-JEPA pretraining: RandomResizedCrop(0.3, 1.0) and normalisation, nothing else.
dataset_type = 'ImageNet'
data_root = 'data/imagenet/'
crop_size = 224

data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
    non_blocking=True)  # the copy of the pinned batch (pin_memory=True below) does not block the host

train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=crop_size, crop_ratio_range=(0.3, 1.0), backend='pillow',
         interpolation='bilinear'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=128,
    num_workers=10,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    # exact resume: mid-epoch skipping, and each sample's augmentation seeded by (seed, epoch, index)
    sampler=dict(type='ResumableSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='SeededDataset',
        dataset=dict(type=dataset_type, data_root=data_root, split='train', pipeline=train_pipeline)))
