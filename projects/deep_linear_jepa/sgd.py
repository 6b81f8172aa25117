# Copyright (c) mmjepa contributors. All rights reserved.
"""Train one of this study's configs with mmengine's Runner (what ``tools/train.py CONFIG --cfg-options ...``
does) and return the per-mode projections the :class:`ModeProjectionHook` recorded."""
import json
import os.path as osp
from typing import Optional

import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

CONFIG_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'configs')


def train_sgd(config: str, work_dir: str, overrides: Optional[dict] = None, quiet: bool = True) -> dict:
    """Run ``config`` (a path, or a file name in this project's ``configs/``) with ``overrides`` merged as
    ``--cfg-options`` would; return the hook's record with ``times``, ``projections`` and ``responses`` as
    arrays."""
    path = config if osp.exists(config) else osp.join(CONFIG_DIR, config)
    cfg = Config.fromfile(path)
    if overrides:
        cfg.merge_from_dict(overrides)
    if not any(h.get('type') == 'ModeProjectionHook' for h in cfg.get('custom_hooks', [])):
        raise ValueError(f'{path} has no ModeProjectionHook in custom_hooks: nothing would be recorded')
    cfg.work_dir = work_dir
    cfg.experiment_name = osp.basename(osp.normpath(work_dir))
    if quiet:
        cfg.log_level = 'WARNING'
    Runner.from_cfg(cfg).train()
    filename = next(h.get('filename', 'mode_projections.json') for h in cfg.custom_hooks
                    if h.get('type') == 'ModeProjectionHook')
    with open(osp.join(work_dir, filename)) as f:
        record = json.load(f)
    record['times'] = np.asarray(record['times'])
    record['projections'] = np.asarray(record['projections'])
    record['responses'] = np.asarray(record['responses'])
    return record
