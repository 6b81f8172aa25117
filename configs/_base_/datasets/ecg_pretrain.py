# ECG-JEPA pretraining on the official mix of public databases (configs/pretrain/ViTS_all.yaml of kweimann/ECG-JEPA;
# 1.01M records), as users hold them: one WFDB source per database under data/ecg_pretrain/<name>/, each with its
# PhysioNet RECORDS file (a line ending in '/' names a folder with its own RECORDS) and its sampling rate; records are
# resampled to 500 Hz, standardised per lead and clipped to [-5, 5], cropped to 10 s at random.
# The official batches draw a database with fixed weights (mimic-iv-ecg 0.7, code-15 0.1, ptb-xl 0.05, georgia 0.0375,
# ningbo 0.028125, cpsc 0.025, ptb 0.01875, st-petersburg 0.01875, cpsc-extra 0.0125, chapman-shaoxing 0.009375);
# here the databases are concatenated, each `repeat` times: set `repeat` to approach those weights for the copies
# you hold. Departures: CODE-15 is distributed as HDF5, not WFDB: convert it to WFDB records (wfdb.wrsamp) to add it;
# each database's own per-lead mean/std (the official scripts/compute_mean_std.py) go in `mean` / `std` (12 values,
# leads I, II, III, aVR, aVL, aVF, V1-V6); without them each record is standardised with its own statistics.
_base_ = ['./ecg_pretrain_demo.py']
challenge_2021 = 'data/ecg_pretrain/physionet-challenge-2021/training/'  # the PhysioNet/CinC Challenge 2021 layout
train_dataloader = dict(
    batch_size=256, num_workers=8,
    dataset=dict(dataset=dict(sources=[
        dict(data_root='data/ecg_pretrain/mimic-iv-ecg/', records='RECORDS', sampling_rate=500, name='mimic-iv-ecg'),
        dict(data_root='data/ecg_pretrain/code-15-wfdb/', records='RECORDS', sampling_rate=400, name='code-15'),
        dict(data_root='data/ecg_pretrain/ptb-xl/', records='ptbxl_database.csv', folds=[1, 2, 3, 4, 5, 6, 7, 8],
             sampling_rate=500, name='ptb-xl'),
        dict(data_root=challenge_2021 + 'ptb/', records='RECORDS', sampling_rate=1000, name='ptb'),
        dict(data_root=challenge_2021 + 'cpsc_2018/', records='RECORDS', sampling_rate=500, name='cpsc'),
        dict(data_root=challenge_2021 + 'cpsc_2018_extra/', records='RECORDS', sampling_rate=500, name='cpsc-extra'),
        dict(data_root=challenge_2021 + 'georgia/', records='RECORDS', sampling_rate=500, name='georgia'),
        dict(data_root=challenge_2021 + 'ningbo/', records='RECORDS', sampling_rate=500, name='ningbo'),
        dict(data_root=challenge_2021 + 'chapman_shaoxing/', records='RECORDS', sampling_rate=500,
             name='chapman-shaoxing'),
        dict(data_root=challenge_2021 + 'st_petersburg_incart/', records='RECORDS', sampling_rate=257,
             name='st-petersburg'),
    ])))
