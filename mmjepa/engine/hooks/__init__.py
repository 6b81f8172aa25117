# Copyright (c) mmjepa contributors. All rights reserved.
"""Training hooks registered in the root registry."""
from .collapse_monitor import CollapseMonitorHook, feature_std, rankme
from .nonfinite_loss import NonFiniteLossHook
from .rng_state import RNGStateHook

__all__ = ['CollapseMonitorHook', 'NonFiniteLossHook', 'RNGStateHook', 'feature_std', 'rankme']
