# ECG-JEPA pretraining data (arXiv 2410.13867) on the demo database (make_demo_data.py --sets ptbxl): the 500 Hz
# records of folds 1-8 (the official pretraining uses PTB-XL's folds 1-8 only), read by WFDBPretrainDataset as
# one source; add sources (dict(data_root=..., records='RECORDS', sampling_rate=..., mean=..., std=...)) to mix
# databases. One random 10 s crop (5000 samples at 500 Hz), per-record standardisation clipped to [-5, 5]
# (the official code uses each database's statistics: give them as the source's mean/std and keep
# NormalizeSignal without preset).
dataset_type = 'WFDBPretrainDataset'
data_root = 'data/demo/ptbxl/'
target_fs = 500
crop_length = 5000  # 10 s

data_preprocessor = dict(type='SignalDataPreprocessor', num_leads=12)

train_pipeline = [
    dict(type='NormalizeSignal', clip=5.0),
    dict(type='RandomSignalCrop', length=crop_length),
    dict(type='PackSignalInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    # exact resume: mid-epoch skipping, and each sample's crop seeded by (seed, epoch, index)
    sampler=dict(type='ResumableSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='SeededDataset',
        dataset=dict(
            type=dataset_type,
            sources=[
                dict(data_root=data_root, records='ptbxl_database.csv', folds=[1, 2, 3, 4, 5, 6, 7, 8],
                     sampling_rate=500, name='ptbxl-demo'),
            ],
            target_fs=target_fs,
            min_length=crop_length,
            pipeline=train_pipeline)))
