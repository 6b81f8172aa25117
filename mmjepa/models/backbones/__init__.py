# Copyright (c) mmjepa contributors. All rights reserved.
from .jepa_vit import JEPAViT
from .token_encoder import TokenEncoder
from .token_transformer import TokenTransformer

__all__ = ['JEPAViT', 'TokenEncoder', 'TokenTransformer']
