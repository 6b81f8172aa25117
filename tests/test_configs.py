# Copyright (c) mmjepa contributors. All rights reserved.
"""Every shipped config parses (including the mmpretrain::/mmseg::/mmdet:: bases of the benchmarks)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_parses(path):
    cfg = Config.fromfile(path)
    assert 'model' in cfg and cfg.model.get('type')
    if 'train_cfg' in cfg and cfg.get('default_scope') == 'mmpretrain' and cfg.model.type in (
            'IJEPA', 'DMTJEPA', 'ECIJEPA'):
        assert cfg.param_scheduler[0]['type'] == 'WarmupCosineLR'
        assert cfg.param_scheduler[0]['end'] == cfg.train_cfg.max_epochs
