# Copyright (c) mmjepa contributors. All rights reserved.
"""Data transforms registered in the root registry (visible from mmpretrain, mmseg and mmdet scopes)."""
from .contrast import RandomContrast
from .loading import BadImageError, StrictLoadImageFromFile

__all__ = ['BadImageError', 'RandomContrast', 'StrictLoadImageFromFile']
