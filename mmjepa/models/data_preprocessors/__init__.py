# Copyright (c) mmjepa contributors. All rights reserved.
from .signal_preprocessor import SignalDataPreprocessor
from .tabular_preprocessor import TabularDataPreprocessor

__all__ = ['SignalDataPreprocessor', 'TabularDataPreprocessor']
