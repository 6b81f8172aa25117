# Copyright (c) mmjepa contributors. All rights reserved.
"""12-lead ECG data for `ECG-JEPA <https://arxiv.org/abs/2410.13867>`_: PTB-XL (:mod:`.ptbxl`), WFDB databases
for pretraining (:mod:`.wfdb_list`), signal transforms (:mod:`.transforms`) and the synthetic PTB-XL-layout demo
database (:mod:`.demo`, which needs neurokit2 only when it writes)."""
from .demo import write_ptbxl_demo
from .ptbxl import PTBXLDataset
from .signal_io import LEADS, BadSignalError, read_wfdb_signal, resample_signal
from .transforms import (PTBXL_MEAN, PTBXL_STD, CenterSignalCrop, NormalizeSignal, PackSignalInputs,
                         RandomSignalCrop, StridedSignalCrops)
from .wfdb_list import WFDBPretrainDataset, read_record_list

__all__ = [
    'BadSignalError', 'CenterSignalCrop', 'LEADS', 'NormalizeSignal', 'PTBXLDataset', 'PTBXL_MEAN', 'PTBXL_STD',
    'PackSignalInputs', 'RandomSignalCrop', 'StridedSignalCrops', 'WFDBPretrainDataset', 'read_record_list',
    'read_wfdb_signal', 'resample_signal', 'write_ptbxl_demo'
]
