# Copyright (c) mmjepa contributors. All rights reserved.
from .signal_preprocessor import SignalDataPreprocessor

__all__ = ['SignalDataPreprocessor']
