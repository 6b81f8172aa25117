# Copyright (c) mmjepa contributors. All rights reserved.
"""Converters from other codebases' checkpoints to mmjepa's parameter names, and exports back to them."""
from .dmtjepa import convert_dmtjepa_checkpoint, convert_dmtjepa_head
from .ecgjepa import convert_ecgjepa_checkpoint
from .export import FORMATS, export_backbone
from .ijepa import convert_ijepa_checkpoint, convert_ijepa_encoder, convert_ijepa_predictor
from .sarjepa import convert_sarjepa_checkpoint, convert_sarjepa_state_dict
from .seqjepa import convert_seqjepa_checkpoint, convert_seqjepa_state_dict
from .tjepa import convert_tjepa_checkpoint, convert_tjepa_encoder, convert_tjepa_predictor

__all__ = ['convert_dmtjepa_checkpoint', 'convert_dmtjepa_head', 'convert_ecgjepa_checkpoint',
           'convert_ijepa_checkpoint', 'convert_ijepa_encoder', 'convert_ijepa_predictor',
           'convert_sarjepa_checkpoint', 'convert_sarjepa_state_dict', 'convert_seqjepa_checkpoint',
           'convert_seqjepa_state_dict', 'convert_tjepa_checkpoint', 'convert_tjepa_encoder',
           'convert_tjepa_predictor', 'FORMATS', 'export_backbone']
