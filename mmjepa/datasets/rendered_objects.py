# Copyright (c) mmjepa contributors. All rights reserved.
"""Objects rendered under known rotations, in the 3DIEBench layout (facebookresearch/SIE), for seq-JEPA."""
import os.path as osp
from typing import List

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.registry import DATASETS


@DATASETS.register_module()
class RenderedObjectsDataset(BaseDataset):
    """One sample per object of a 3DIEBench-layout set: ``<data_root>/<ann_file>`` lists the objects
    (``'/<synset>/<object>'``, as ``train_images.npy`` of 3DIEBench), ``labels_file`` their classes, and each
    object folder holds ``image_<k>.jpg`` and ``latent_<k>.npy`` for ``k < views_per_object``. The pipeline
    (:class:`LoadRenderedViews`) picks the views. The demo set: ``make_demo_data.py --sets objects3d``.

    Args:
        ann_file (str): The object list. Defaults to ``'train_images.npy'``.
        labels_file (str): The labels. Defaults to ``'train_labels.npy'``.
        views_per_object (int): Views rendered per object (3DIEBench: 50; the demo: 12). Defaults to 50.
    """

    def __init__(self, ann_file: str = 'train_images.npy', labels_file: str = 'train_labels.npy',
                 views_per_object: int = 50, **kwargs):
        self.labels_file, self.views_per_object = labels_file, views_per_object
        super().__init__(ann_file=ann_file, **kwargs)

    def load_data_list(self) -> List[dict]:
        labels_path = osp.join(self.data_root, self.labels_file)
        for path, key in ((self.ann_file, 'ann_file'), (labels_path, 'labels_file')):
            if not osp.isfile(path):
                raise FileNotFoundError(f'{type(self).__name__}: {key} {path!r} does not exist (a 3DIEBench-layout '
                                        'set: python tools/dataset_converters/make_demo_data.py --sets objects3d)')
        objects, labels = np.load(self.ann_file), np.load(labels_path)
        if len(objects) != len(labels):
            raise ValueError(f'{self.ann_file} lists {len(objects)} objects but {labels_path} {len(labels)} labels')
        first = osp.join(self.data_root, str(objects[0]).lstrip('/'), 'image_0.jpg') if len(objects) else None
        if first is not None and not osp.isfile(first):
            raise FileNotFoundError(f'{first} does not exist: check data_root (the folder holding the synset '
                                    'folders) and ann_file')
        return [dict(object_dir=osp.join(self.data_root, str(obj).lstrip('/')), gt_label=int(label),
                     num_object_views=self.views_per_object) for obj, label in zip(objects, labels)]
