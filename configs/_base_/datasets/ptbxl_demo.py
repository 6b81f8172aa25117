# The synthetic PTB-XL-layout demo database (python tools/dataset_converters/make_demo_data.py --sets ptbxl:
# data/demo/ptbxl, 400 neurokit2 records, no download), superdiagnostic task (5 classes), the same crops and
# folds as ptbxl_superdiagnostic.py. Departure: each record is standardised with its own per-lead statistics
# (NormalizeSignal without preset), as the synthetic leads do not share PTB-XL's statistics.
_base_ = ['./ptbxl_superdiagnostic.py']

data_root = 'data/demo/ptbxl/'
normalize = dict(type='NormalizeSignal', clip=5.0)
train_pipeline = [
    normalize,
    dict(type='RandomSignalCrop', length={{_base_.crop_length}}),
    dict(type='PackSignalInputs'),
]
test_pipeline = [
    normalize,
    dict(type='StridedSignalCrops', length={{_base_.crop_length}}, stride={{_base_.crop_stride}}),
    dict(type='PackSignalInputs'),
]
train_dataloader = dict(batch_size=32, num_workers=2,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(batch_size=32, num_workers=2,
                      dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(batch_size=32, num_workers=2,
                       dataset=dict(data_root=data_root, pipeline=test_pipeline))
