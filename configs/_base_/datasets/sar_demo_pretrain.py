# SAR-JEPA pretraining (arXiv 2311.15153) on the embedded SAR-like demo set: 64 px single-channel images with
# speckle (tools/dataset_converters/make_demo_data.py writes data/demo/sar/{train,val}/<class>/*.png), in
# mmpretrain's CustomDataset folder layout; labels are not used.
# Augmentation of the official code (Pretraining/main_pretrain.py): RandomResizedCrop(0.2-1, bicubic),
# horizontal flip, contrast jitter 0.5, and no normalisation (ToTensor: [0, 1]). The pixels stay in [0, 1]
# here too: the ratio-of-averages gradient target takes logs of box means of the image + 0.01, so it needs
# non-negative intensities on that scale (mean=[127.5], std=[127.5] would break it).
dataset_type = 'CustomDataset'
data_root = 'data/demo/sar/'
crop_size = 64

data_preprocessor = dict(type='SelfSupDataPreprocessor', mean=[0.], std=[255.], to_rgb=False)

train_pipeline = [
    dict(type='StrictLoadImageFromFile', color_type='grayscale'),  # HxW uint8
    dict(type='RandomResizedCrop', scale=crop_size, crop_ratio_range=(0.2, 1.0), backend='pillow',
         interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomContrast', contrast=0.5),  # mmpretrain's ColorJitter needs 3 channels
    dict(type='PackInputs'),  # 1xHxW uint8
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
