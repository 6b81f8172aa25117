# Copyright (c) mmjepa contributors. All rights reserved.
from .action_aggregator import ActionSequenceAggregator
from .feature_norm import FeatureLayerNorm

__all__ = ['ActionSequenceAggregator', 'FeatureLayerNorm']
