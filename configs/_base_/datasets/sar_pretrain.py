# SAR-JEPA's pretraining mix (MSAR + SAR-Ship + SARSim + SAMPLE, ~94.8k images; the official code's
# Pretraining/ data folder), as users hold it: any folder tree of single-channel images under data/sar_pretrain/
# (labels unused: CustomDataset with with_label=False lists every image below data_prefix). 224 px crops with
# the official augmentation (RandomResizedCrop 0.2-1, flip, contrast 0.5), pixels in [0, 1].
_base_ = ['./sar_demo_pretrain.py']
data_root = 'data/sar_pretrain/'
crop_size = 224
train_pipeline = [
    dict(type='StrictLoadImageFromFile', color_type='grayscale'),
    dict(type='RandomResizedCrop', scale=crop_size, crop_ratio_range=(0.2, 1.0), backend='pillow',
         interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomContrast', contrast=0.5),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=75, num_workers=8,
    dataset=dict(dataset=dict(data_root=data_root, data_prefix='', with_label=False, pipeline=train_pipeline)))
