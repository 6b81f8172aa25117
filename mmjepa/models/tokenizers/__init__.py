# Copyright (c) mmjepa contributors. All rights reserved.
from .signal import SignalPatchEmbed
from .tabular import TabularTokenizer

__all__ = ['SignalPatchEmbed', 'TabularTokenizer']
