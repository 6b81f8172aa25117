# Copyright (c) mmjepa contributors. All rights reserved.
from .jepa_resnet import JEPAResNet, JEPAResNetCIFAR
from .jepa_vit import JEPAViT
from .state_mlp import StateMLPEncoder
from .token_encoder import TokenEncoder
from .token_transformer import TokenTransformer

__all__ = ['JEPAResNet', 'JEPAResNetCIFAR', 'JEPAViT', 'StateMLPEncoder', 'TokenEncoder', 'TokenTransformer']
