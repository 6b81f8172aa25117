# Copyright (c) mmjepa contributors. All rights reserved.
from .checkpoint import allow_mmengine_checkpoints
from .transfer import (ENCODER_PREFIXES, TransferError, check_keys, load_checkpoint_file, load_pretrained_strict,
                       select_prefix, unwrap_state_dict)

allow_mmengine_checkpoints()

__all__ = [
    'allow_mmengine_checkpoints', 'ENCODER_PREFIXES', 'TransferError', 'check_keys', 'load_checkpoint_file',
    'load_pretrained_strict', 'select_prefix', 'unwrap_state_dict'
]
