# Copyright (c) mmjepa contributors. All rights reserved.
"""Study: JEPA against the reversal curse (arXiv 2504.01928); see README.md in this folder."""
from .dataset import ReversalFactDataset
from .kb import PROBES, KnowledgeBase, build_kb, inverse_relation
from .metric import ReversalAccuracy
from .models import KnowledgeBaseModel, ReversalConceptJEPA, ReversalTokenGPT

__all__ = [
    'PROBES', 'KnowledgeBase', 'KnowledgeBaseModel', 'ReversalAccuracy', 'ReversalConceptJEPA', 'ReversalFactDataset',
    'ReversalTokenGPT', 'build_kb', 'inverse_relation'
]
