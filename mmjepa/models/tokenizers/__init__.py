# Copyright (c) mmjepa contributors. All rights reserved.
from .signal import SignalPatchEmbed

__all__ = ['SignalPatchEmbed']
