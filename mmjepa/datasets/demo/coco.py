# Copyright (c) mmjepa contributors. All rights reserved.
"""The demo instance-segmentation set in the COCO layout (boxes and RLE masks, encoded by pycocotools)."""
import json
import os
import os.path as osp
from typing import List

import numpy as np

from .imagenet import index_width, save_png
from .scenes import Scene, render_multi_object_scene, scene_rng
from .shapes import CLASSES


def mask_to_rle(mask: np.ndarray) -> dict:
    """COCO compressed RLE of a binary HxW mask (``pycocotools.mask.encode``), ``counts`` as a str so that
    it can be written to JSON."""
    from pycocotools import mask as mask_utils  # ships with mmdet; imported here so the renderer needs numpy only
    rle = mask_utils.encode(np.asfortranarray(np.asarray(mask, dtype=np.uint8)))
    return dict(size=[int(s) for s in rle['size']], counts=rle['counts'].decode('ascii'))


def coco_instances(scene: Scene, image_id: int, first_ann_id: int) -> List[dict]:
    """COCO ``annotations`` entries of a scene: bbox ``[x, y, w, h]``, RLE segmentation, area (pixels),
    ``category_id`` = label + 1."""
    return [dict(id=first_ann_id + i, image_id=int(image_id), category_id=obj.label + 1,
                 bbox=[float(v) for v in obj.bbox], area=float(obj.area), iscrowd=0, segmentation=mask_to_rle(obj.mask))
            for i, obj in enumerate(scene.objects)]


def write_coco_set(root: str, num_train: int = 400, num_val: int = 100, image_size: int = 64, seed: int = 0) -> dict:
    """Write ``root/{train,val}/*.png`` and ``root/annotations/instances_{train,val}.json`` of multi-object
    scenes (category ids 1..8 named after :data:`~.shapes.CLASSES`). Images without any object are listed."""
    categories = [dict(id=i + 1, name=name, supercategory='shape') for i, name in enumerate(CLASSES)]
    counts = {'train': int(num_train), 'val': int(num_val)}
    width = index_width(*counts.values())
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    num_anns = {}
    for split, count in counts.items():
        os.makedirs(osp.join(root, split), exist_ok=True)
        images, anns = [], []
        for index in range(count):
            scene = render_multi_object_scene(scene_rng(seed, split, index, 'coco'), image_size)
            name = f'{index:0{width}d}.png'
            save_png(scene.image, osp.join(root, split, name))
            images.append(dict(id=index + 1, file_name=name, height=int(image_size), width=int(image_size)))
            anns.extend(coco_instances(scene, index + 1, len(anns) + 1))
        with open(osp.join(root, 'annotations', f'instances_{split}.json'), 'w') as f:
            json.dump(dict(info=dict(description='mmjepa demo shapes'), images=images, annotations=anns,
                           categories=categories), f)
        num_anns[split] = len(anns)
    return dict(root=root, classes=list(CLASSES), image_size=int(image_size), seed=int(seed),
                num_train=counts['train'], num_val=counts['val'], num_train_instances=num_anns['train'],
                num_val_instances=num_anns['val'])
