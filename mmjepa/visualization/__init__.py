# Copyright (c) mmjepa contributors. All rights reserved.
"""Drawing helpers shared by the picture tools (``tools/visualization/``, ``tools/analysis_tools/analyze_logs.py``).

Not imported by ``import mmjepa`` (matplotlib stays out of training); figures are drawn with matplotlib's Agg
canvas and never touch pyplot's global state.
"""
from .figure import ImageGrid, save_figure
from .inputs import build_pretrain_model, load_images, normalise, pick_image_paths

__all__ = ['ImageGrid', 'save_figure', 'build_pretrain_model', 'load_images', 'normalise', 'pick_image_paths']
