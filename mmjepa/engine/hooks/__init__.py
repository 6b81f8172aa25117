# Copyright (c) mmjepa contributors. All rights reserved.
"""Training hooks registered in the root registry."""
from .collapse_monitor import CollapseMonitorHook, feature_std, rankme
from .fsdp_ema import FSDPEMAHook, fsdp_update_target, jepa_fsdp_wrap_policy
from .nonfinite_loss import NonFiniteLossHook
from .provenance import ProvenanceHook
from .rng_state import RNGStateHook
from .transfer_provenance import TransferProvenanceHook

__all__ = [
    'CollapseMonitorHook', 'FSDPEMAHook', 'NonFiniteLossHook', 'ProvenanceHook', 'RNGStateHook',
    'TransferProvenanceHook', 'feature_std', 'fsdp_update_target',
    'jepa_fsdp_wrap_policy', 'rankme'
]
