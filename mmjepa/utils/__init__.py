# Copyright (c) mmjepa contributors. All rights reserved.
from . import progress
from .atomic import AtomicLocalBackend, atomic_open
from .checkpoint import CheckpointFormatError, UnsafeCheckpointError, allow_mmengine_checkpoints, safe_torch_load
from .transfer import (ENCODER_PREFIXES, TransferError, check_keys, foreign_format, load_checkpoint_file,
                       load_pretrained_strict, select_prefix, unwrap_state_dict)

allow_mmengine_checkpoints()

__all__ = [
    'progress', 'AtomicLocalBackend', 'atomic_open', 'allow_mmengine_checkpoints', 'safe_torch_load', 'CheckpointFormatError',
    'UnsafeCheckpointError',
    'ENCODER_PREFIXES', 'TransferError', 'check_keys', 'foreign_format', 'load_checkpoint_file',
    'load_pretrained_strict', 'select_prefix', 'unwrap_state_dict'
]
