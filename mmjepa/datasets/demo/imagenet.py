# Copyright (c) mmjepa contributors. All rights reserved.
"""The demo classification set in mmpretrain's ``CustomDataset`` folder layout."""
import os
import os.path as osp

import numpy as np
from PIL import Image

from .scenes import image_rng, render_class_scene
from .shapes import CLASSES


def save_png(image: np.ndarray, path: str) -> None:
    """Save a uint8 array, HxWx3 RGB or HxW grey (8-bit 'L'), as PNG (no metadata, fixed compression: same
    pixels, same bytes)."""
    Image.fromarray(image, 'L' if image.ndim == 2 else 'RGB').save(path, format='PNG', compress_level=6)


def index_width(*counts: int) -> int:
    """Digits of the largest index below ``max(counts)``: file names sort in index order."""
    return len(str(max(max(counts) - 1, 0)))


def write_classification_set(root: str, num_train_per_class: int = 200, num_val_per_class: int = 250,
                             image_size: int = 64, seed: int = 0) -> dict:
    """Write ``root/{train,val}/<class_name>/<index>.png``: a few objects of the image's class, nothing else
    (:func:`~.scenes.render_class_scene`). The same arguments give byte-identical files. Returns a summary."""
    counts = {'train': int(num_train_per_class), 'val': int(num_val_per_class)}
    width = index_width(*counts.values())
    for split, count in counts.items():
        for label, name in enumerate(CLASSES):
            folder = osp.join(root, split, name)
            os.makedirs(folder, exist_ok=True)
            for index in range(count):
                scene = render_class_scene(image_rng(seed, split, label, index), image_size, label=label)
                save_png(scene.image, osp.join(folder, f'{index:0{width}d}.png'))
    return dict(
        root=root, classes=list(CLASSES), image_size=int(image_size), seed=int(seed),
        num_train_per_class=counts['train'], num_val_per_class=counts['val'],
        num_train=counts['train'] * len(CLASSES), num_val=counts['val'] * len(CLASSES))
