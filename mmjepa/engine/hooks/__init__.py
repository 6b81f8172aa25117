# Copyright (c) mmjepa contributors. All rights reserved.
"""Training hooks registered in the root registry."""
from .collapse_monitor import CollapseMonitorHook, feature_std, rankme
from .fsdp_ema import fsdp_update_target, jepa_fsdp_wrap_policy
from .nonfinite_loss import NonFiniteLossHook
from .official_first_step import OfficialFirstStepHook
from .provenance import ProvenanceHook
from .rng_state import RNGStateHook
from .target_ema import TargetEMAHook, update_target_after_step
from .transfer_provenance import TransferProvenanceHook

__all__ = [
    'CollapseMonitorHook', 'NonFiniteLossHook', 'OfficialFirstStepHook', 'ProvenanceHook', 'RNGStateHook',
    'TargetEMAHook', 'TransferProvenanceHook', 'feature_std', 'fsdp_update_target', 'jepa_fsdp_wrap_policy', 'rankme',
    'update_target_after_step'
]
