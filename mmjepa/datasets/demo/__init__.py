# Copyright (c) mmjepa contributors. All rights reserved.
"""Deterministic synthetic demo data (no download): shapes rendered by :mod:`.scenes` and written as a
classification set (:mod:`.imagenet`), an ADE20K-layout set (:mod:`.ade`), a COCO-layout set (:mod:`.coco`)
a single-channel SAR-like classification set with speckle (:mod:`.sar`) and coloured polyhedra under known
3-D rotations in the 3DIEBench layout (:mod:`.objects3d`, for seq-JEPA).

The renderer and the folder writers need numpy and Pillow only (the COCO writer also pycocotools), so
``tools/dataset_converters/make_demo_data.py`` loads this package without importing mmjepa.
"""
from .ade import write_segmentation_set
from .coco import coco_instances, mask_to_rle, write_coco_set
from .imagenet import save_png, write_classification_set
from .objects3d import OBJECT_CLASSES, render_object_views, write_objects3d_set
from .sar import SarScene, render_sar_scene, sar_rng, speckle, write_sar_set
from .scenes import (Scene, SceneObject, compose_scene, glyph_grid, image_rng, random_shape, render_class_scene,
                     render_multi_object_scene, scene_rng)
from .shapes import CLASSES, ShapeSpec, mask_bbox, rasterize

__all__ = [
    'CLASSES', 'OBJECT_CLASSES', 'SarScene', 'Scene', 'SceneObject', 'ShapeSpec', 'coco_instances', 'compose_scene', 'glyph_grid',
    'image_rng', 'mask_bbox', 'mask_to_rle', 'random_shape', 'rasterize', 'render_class_scene',
    'render_multi_object_scene', 'render_object_views', 'render_sar_scene', 'sar_rng', 'save_png', 'scene_rng', 'speckle',
    'write_classification_set', 'write_coco_set', 'write_objects3d_set', 'write_sar_set', 'write_segmentation_set'
]
