# Copyright (c) mmjepa contributors. All rights reserved.
from .base import KnowledgeBaseModel
from .concept_jepa import ReversalConceptJEPA
from .token_gpt import ReversalTokenGPT

__all__ = ['KnowledgeBaseModel', 'ReversalConceptJEPA', 'ReversalTokenGPT']
