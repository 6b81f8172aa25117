# ECG-JEPA pretraining on a mix of WFDB databases as users hold them (the official mix: 10 public databases,
# 1.01M records): one source per database under data/ecg_pretrain/, each with its RECORDS file, sampling rate and
# (optionally) its per-lead mean/std; records are resampled to 500 Hz, 10 s random crops.
_base_ = ['./ecg_pretrain_demo.py']
train_dataloader = dict(
    batch_size=256, num_workers=8,
    dataset=dict(dataset=dict(sources=[
        dict(data_root='data/ecg_pretrain/ptb-xl/', records='ptbxl_database.csv', folds=[1, 2, 3, 4, 5, 6, 7, 8],
             sampling_rate=500, name='ptb-xl'),
    ])))
