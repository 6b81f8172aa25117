# PTB-XL (PhysioNet 1.0.3, as distributed: data/ptbxl/ptbxl_database.csv, scp_statements.csv, records500/) for
# ECG-JEPA's evaluation (arXiv 2410.13867), superdiagnostic task: 5 multi-label classes (CD, HYP, MI, NORM, STTC),
# records without a superclass left out. As the official finetune.py / configs/eval/*.yaml: 500 Hz, per-lead
# normalisation with the PTB-XL train-fold statistics and clipping to [-5, 5]; training on one random 2.5 s crop;
# evaluation on every 2.5 s crop at 1.25 s (7 per record), their logits averaged by CropAverageClassifier
# (swap StridedSignalCrops for CenterSignalCrop to evaluate any classifier on one centred crop); macro ROC AUC.
# Folds: 1-8 train, 9 val, 10 test.
dataset_type = 'PTBXLDataset'
data_root = 'data/ptbxl/'
task = 'superdiagnostic'
num_classes = 5
sampling_rate = 500
crop_length = 1250  # 2.5 s
crop_stride = 625  # 1.25 s

data_preprocessor = dict(type='SignalDataPreprocessor', num_leads=12, num_classes=num_classes)

normalize = dict(type='NormalizeSignal', preset='ptbxl', clip=5.0)
train_pipeline = [
    normalize,
    dict(type='RandomSignalCrop', length=crop_length),
    dict(type='PackSignalInputs'),
]
test_pipeline = [
    normalize,
    dict(type='StridedSignalCrops', length=crop_length, stride=crop_stride),
    dict(type='PackSignalInputs'),
]

train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, task=task, sampling_rate=sampling_rate,
                 folds=[1, 2, 3, 4, 5, 6, 7, 8], pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, task=task, sampling_rate=sampling_rate, folds=[9],
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, task=task, sampling_rate=sampling_rate, folds=[10],
                 pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='MultiLabelAUC')
test_evaluator = val_evaluator
