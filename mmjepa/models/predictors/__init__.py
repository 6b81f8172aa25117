# Copyright (c) mmjepa contributors. All rights reserved.
from .jepa_predictor import JEPAPredictor
from .token_predictor import TokenPredictor

__all__ = ['JEPAPredictor', 'TokenPredictor']
