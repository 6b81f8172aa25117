# Copyright (c) mmjepa contributors. All rights reserved.
from .chunk_decoder import ChunkDecoder
from .conv_predictor import ConvPredictor
from .jepa_predictor import JEPAPredictor
from .mlp_predictor import MLPPredictor
from .token_predictor import TokenPredictor

__all__ = ['ChunkDecoder', 'ConvPredictor', 'JEPAPredictor', 'MLPPredictor', 'TokenPredictor']
