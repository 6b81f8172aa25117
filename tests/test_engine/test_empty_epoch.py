# Copyright (c) mmjepa contributors. All rights reserved.
"""A batch larger than the dataset is an error naming the batch size and the dataset, before any step."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'configs/demo/ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py')


def test_batch_larger_than_dataset_names_the_keys(tiny_demo_set, tmp_path):
    cfg = Config.fromfile(DEMO)
    cfg.merge_from_dict({'train_dataloader.dataset.dataset.data_root': tiny_demo_set, 'work_dir': str(tmp_path),
                         'train_dataloader.num_workers': 0, 'train_dataloader.persistent_workers': False,
                         'model.backbone.arch': dict(embed_dims=32, num_layers=1, num_heads=2,
                                                     feedforward_channels=64)})
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match=r'no batch per epoch: batch_size=64 per process with drop_last=True over '
                                         r'\d+ samples.*train_dataloader.batch_size'):
        runner.train()
