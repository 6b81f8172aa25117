# Copyright (c) mmjepa contributors. All rights reserved.
"""Data transforms registered in the root registry (visible from mmpretrain, mmseg and mmdet scopes)."""
from .contrast import RandomContrast
from .loading import BadImageError, StrictLoadImageFromFile
from .view_sequence import LoadRenderedViews, ParamAugmentedViews, relative_quaternions, rendered_view_actions

__all__ = ['BadImageError', 'LoadRenderedViews', 'ParamAugmentedViews', 'RandomContrast', 'StrictLoadImageFromFile',
           'relative_quaternions', 'rendered_view_actions']
