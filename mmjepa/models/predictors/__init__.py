# Copyright (c) mmjepa contributors. All rights reserved.
from .jepa_predictor import JEPAPredictor

__all__ = ['JEPAPredictor']
