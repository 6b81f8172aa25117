# Copyright (c) mmjepa contributors. All rights reserved.
"""Converters from other codebases' checkpoints to mmjepa's parameter names."""
from .ijepa import convert_ijepa_checkpoint, convert_ijepa_encoder, convert_ijepa_predictor

__all__ = ['convert_ijepa_checkpoint', 'convert_ijepa_encoder', 'convert_ijepa_predictor']
