# Copyright (c) mmjepa contributors. All rights reserved.
"""Fixtures of the tool tests: tool scripts loaded as modules, and the demo pretraining configs with the
options that point them at the session's tiny demo set."""
import importlib.util
import os.path as osp

import pytest

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
DEMO_CONFIGS = {name: osp.join(REPO, 'configs', 'demo', f'{name}_vit-tiny-p8_1xb64-16e_demo-64px.py')
                for name in ('ijepa', 'dmtjepa', 'ecijepa')}


def _load_tool(relative_path: str):
    path = osp.join(REPO, 'tools', relative_path)
    spec = importlib.util.spec_from_file_location('mmjepa_tool_' + osp.splitext(osp.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def load_tool():
    """``load_tool('visualization/vis_masks.py')``: the script under ``tools/`` as a module."""
    return _load_tool


@pytest.fixture(scope='session')
def demo_configs():
    """The I-JEPA, DMT-JEPA and EC-IJEPA demo pretraining configs, by algorithm."""
    return DEMO_CONFIGS


@pytest.fixture(scope='session')
def demo_data_options(tiny_demo_set):
    """``--cfg-options`` that point a demo pretraining config at the tiny demo set."""
    return ['--cfg-options', f'train_dataloader.dataset.dataset.data_root={tiny_demo_set}']
