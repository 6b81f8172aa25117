# Copyright (c) mmjepa contributors. All rights reserved.
from .jepa_vit import JEPAViT

__all__ = ['JEPAViT']
