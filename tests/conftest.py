# Copyright (c) mmjepa contributors. All rights reserved.
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import mmjepa  # noqa: F401,E402  (first: its transformers 5 shim must precede any mmpretrain import)


@pytest.fixture(autouse=True)
def isolated_default_scope():
    """Each test starts with the registry scope the previous one found: a Runner or init_default_scope in
    one test must not change which registry the next test builds from."""
    from mmengine.registry import DefaultScope
    saved = dict(DefaultScope._instance_dict)
    yield
    DefaultScope._instance_dict = saved


@pytest.fixture(scope='session')
def tiny_demo_set(tmp_path_factory):
    """A few images per class of the demo generator, in CustomDataset layout."""
    from mmjepa.datasets.demo import write_classification_set
    root = tmp_path_factory.mktemp('demo') / 'imagenet'
    write_classification_set(str(root), num_train_per_class=2, num_val_per_class=1, image_size=64, seed=0)
    return str(root)
