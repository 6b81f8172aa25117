# Copyright (c) mmjepa contributors. All rights reserved.
from .feature_norm import FeatureLayerNorm

__all__ = ['FeatureLayerNorm']
