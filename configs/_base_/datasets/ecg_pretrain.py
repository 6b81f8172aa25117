# ECG-JEPA pretraining on the official mix of public databases (configs/pretrain/ViTS_all.yaml of kweimann/ECG-JEPA;
# 1.01M records), as users hold them: one WFDB source per database under data/ecg_pretrain/<name>/, each with its
# PhysioNet RECORDS file (a line ending in '/' names a folder with its own RECORDS) and its sampling rate.
# The official data recipe: NaNs interpolated; the baseline wander of CODE-15 and St-Petersburg removed (0.5 Hz
# 4th-order Butterworth high-pass, forwards and backwards, at the database's own rate; the official README:
# "essential to maintain training stability"); resampled to 500 Hz with the FFT method; each database normalised
# with its own per-lead statistics (below, as the official code states them; leads I, II, III, aVR, aVL, aVF,
# V1-V6, so MIMIC-IV-ECG's aVF/aVL, stored the other way round, are swapped here; CODE-15 and St-Petersburg
# take the statistics of their high-passed versions, pretrain.py; cpsc-extra takes cpsc's, as the official
# DATASETS table maps it), no eps, in float16 arithmetic (the official dumps are float16), clipped to [-5, 5];
# records shorter than 10 s dropped; a random 10 s crop.
# The official batches draw a database with fixed weights (mimic-iv-ecg 0.7, code-15 0.1, ptb-xl 0.05, georgia 0.0375,
# ningbo 0.028125, cpsc 0.025, ptb 0.01875, st-petersburg 0.01875, cpsc-extra 0.0125, chapman-shaoxing 0.009375);
# here the databases are concatenated, each `repeat` times: set `repeat` to approach those weights for the copies
# you hold. CODE-15 is distributed as HDF5, not WFDB: convert it to WFDB records (wfdb.wrsamp) to add it.
_base_ = ['./ecg_pretrain_demo.py']
challenge_2021 = 'data/ecg_pretrain/physionet-challenge-2021/training/'  # the PhysioNet/CinC Challenge 2021 layout
zero_mean = [0.0] * 12
cpsc_std = [0.214, 0.236, 0.221, 0.209, 0.196, 0.214, 0.336, 0.417, 0.449, 0.483, 0.523, 0.561]
train_dataloader = dict(
    batch_size=256, num_workers=8,
    dataset=dict(dataset=dict(
        nan_policy='interpolate', skip_short=True, resample_method='fft',
        pipeline=[
            dict(type='NormalizeSignal', clip=5.0, eps=0., dtype='float16'),
            dict(type='RandomSignalCrop', length=5000),
            dict(type='PackSignalInputs'),
        ],
        sources=[
            dict(data_root='data/ecg_pretrain/mimic-iv-ecg/', records='RECORDS', sampling_rate=500,
                 name='mimic-iv-ecg',
                 mean=[0.023, 0.015, -0.007, -0.019, 0.014, 0.004, -0.018, -0.004, 0.002, 0.017, 0.022, 0.022],
                 std=[0.155, 0.158, 0.166, 0.133, 0.141, 0.143, 0.207, 0.282, 0.284, 0.253, 0.222, 0.197]),
            dict(data_root='data/ecg_pretrain/code-15-wfdb/', records='RECORDS', sampling_rate=400, name='code-15',
                 remove_baseline_wander=True, mean=zero_mean,
                 std=[0.488, 0.450, 0.437, 0.416, 0.405, 0.370, 0.548, 0.639, 0.719, 0.695, 0.676, 0.639]),
            dict(data_root='data/ecg_pretrain/ptb-xl/', records='ptbxl_database.csv', folds=[1, 2, 3, 4, 5, 6, 7, 8],
                 sampling_rate=500, name='ptb-xl',
                 mean=[-0.002, -0.002, 0.000, 0.002, -0.001, -0.001, 0.000, -0.001, -0.002, -0.001, -0.001, -0.001],
                 std=[0.191, 0.166, 0.173, 0.142, 0.149, 0.147, 0.235, 0.338, 0.335, 0.299, 0.294, 0.242]),
            dict(data_root=challenge_2021 + 'ptb/', records='RECORDS', sampling_rate=1000, name='ptb', mean=zero_mean,
                 std=[0.642, 0.975, 0.953, 0.674, 0.651, 0.909, 0.643, 0.658, 0.668, 0.688, 0.648, 0.622]),
            dict(data_root=challenge_2021 + 'cpsc_2018/', records='RECORDS', sampling_rate=500, name='cpsc',
                 mean=zero_mean, std=cpsc_std),
            dict(data_root=challenge_2021 + 'cpsc_2018_extra/', records='RECORDS', sampling_rate=500,
                 name='cpsc-extra', mean=zero_mean, std=cpsc_std),
            dict(data_root=challenge_2021 + 'georgia/', records='RECORDS', sampling_rate=500, name='georgia',
                 mean=[-0.003, -0.002, 0.001, 0.003, -0.002, -0.001, -0.004, -0.004, -0.003, -0.003, -0.003, -0.003],
                 std=[0.157, 0.178, 0.164, 0.147, 0.134, 0.153, 0.213, 0.285, 0.272, 0.245, 0.224, 0.209]),
            dict(data_root=challenge_2021 + 'ningbo/', records='RECORDS', sampling_rate=500, name='ningbo',
                 mean=[0.002, 0.004, 0.002, -0.001, -0.001, 0.002, -0.000, 0.003, 0.003, 0.004, 0.003, -0.000],
                 std=[0.145, 0.179, 0.159, 0.142, 0.123, 0.153, 0.228, 0.368, 0.377, 0.394, 0.405, 0.444]),
            dict(data_root=challenge_2021 + 'chapman_shaoxing/', records='RECORDS', sampling_rate=500,
                 name='chapman-shaoxing',
                 mean=[0.002, 0.005, 0.003, -0.002, -0.002, 0.003, -0.000, 0.003, 0.004, 0.004, 0.003, -0.001],
                 std=[0.140, 0.171, 0.145, 0.138, 0.114, 0.143, 0.218, 0.355, 0.366, 0.365, 0.332, 0.299]),
            dict(data_root=challenge_2021 + 'st_petersburg_incart/', records='RECORDS', sampling_rate=257,
                 name='st-petersburg', remove_baseline_wander=True, mean=zero_mean,
                 std=[0.132, 0.370, 0.353, 0.215, 0.191, 0.356, 0.234, 0.320, 0.328, 0.290, 0.317, 0.337]),
        ])))
