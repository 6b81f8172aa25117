# Copyright (c) mmjepa contributors. All rights reserved.
"""The demo semantic-segmentation set in the ADE20K layout."""
import os
import os.path as osp

from PIL import Image

from .imagenet import index_width, save_png
from .scenes import render_multi_object_scene, scene_rng
from .shapes import CLASSES


def write_segmentation_set(root: str, num_train: int = 400, num_val: int = 100, image_size: int = 64,
                           seed: int = 0) -> dict:
    """Write ``root/images/{training,validation}/*.png`` and ``root/annotations/{training,validation}/*.png``
    (uint8 label maps) of multi-object scenes.

    Label semantics are ADE20K's with ``reduce_zero_label=True``: 0 is the background ("other", ignored
    after the reduction) and ``c + 1`` is :data:`~.shapes.CLASSES` ``[c]``, so the reduced labels are 0..7.
    """
    counts = {'training': ('train', int(num_train)), 'validation': ('val', int(num_val))}
    width = index_width(*(c for _, c in counts.values()))
    for folder, (split, count) in counts.items():
        img_dir, ann_dir = osp.join(root, 'images', folder), osp.join(root, 'annotations', folder)
        os.makedirs(img_dir, exist_ok=True)
        os.makedirs(ann_dir, exist_ok=True)
        for index in range(count):
            scene = render_multi_object_scene(scene_rng(seed, split, index, 'ade'), image_size)
            name = f'{index:0{width}d}.png'
            save_png(scene.image, osp.join(img_dir, name))
            Image.fromarray(scene.semantic_map(background=0, offset=1), 'L').save(
                osp.join(ann_dir, name), format='PNG', compress_level=6)
    return dict(root=root, classes=list(CLASSES), image_size=int(image_size), seed=int(seed),
                num_train=counts['training'][1], num_val=counts['validation'][1], reduce_zero_label=True)
