# Copyright (c) mmjepa contributors. All rights reserved.
"""mmjepa.utils.compat: mmpretrain 1.2.0 imports, and mmjepa trains, beside a current transformers.

The subprocess tests use the installed transformers (requirements/tests.txt) and skip only without it."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys
import types
from importlib import metadata

import pytest
import torch

from mmjepa.utils import compat

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'configs/demo/ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py')
HAS_TRANSFORMERS = importlib.util.find_spec('transformers') is not None
TRANSFORMERS_MAJOR = int(metadata.version('transformers').split('.')[0]) if HAS_TRANSFORMERS else 0
needs_transformers = pytest.mark.skipif(not HAS_TRANSFORMERS, reason='transformers is not installed '
                                        '(pip install -r requirements/tests.txt)')


def run_python(code: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter (nothing imported yet), this checkout first on the path."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get('PYTHONPATH')) if p))
    return subprocess.run([sys.executable, '-c', code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


# ------------------------------------------------------------------------------- in process, no transformers
def test_find_pruneable_heads_and_indices():
    heads, index = compat.find_pruneable_heads_and_indices([1, 3], n_heads=4, head_size=2, already_pruned_heads=set())
    assert heads == {1, 3} and index.tolist() == [0, 1, 4, 5] and index.dtype == torch.long
    # head 0 already gone: the layer has 3 heads (old 1, 2, 3); pruning old 2 removes the middle one
    heads, index = compat.find_pruneable_heads_and_indices([0, 2], n_heads=3, head_size=2, already_pruned_heads={0})
    assert heads == {2} and index.tolist() == [0, 1, 4, 5]


@pytest.fixture
def fake_transformers(monkeypatch):
    """A transformers 5 look-alike in sys.modules: the moved names live in their new modules only."""
    mods = {name: types.ModuleType(name) for name in ('transformers', 'transformers.modeling_utils',
                                                       'transformers.pytorch_utils', 'transformers.generation',
                                                       'transformers.configuration_utils')}
    mods['transformers.modeling_utils'].PreTrainedModel = object
    for name in ('apply_chunking_to_forward', 'prune_linear_layer'):
        setattr(mods['transformers.pytorch_utils'], name, lambda *args, _name=name: _name)
    mods['transformers.generation'].GenerationMixin = type('GenerationMixin', (), {})
    mods['transformers.configuration_utils'].PretrainedConfig = type('PretrainedConfig', (), {})
    for name, mod in mods.items():
        monkeypatch.setitem(sys.modules, name, mod)
    monkeypatch.setattr(compat, 'mmpretrain_imports_transformers', lambda: True)
    return mods


def test_patch_adds_only_what_is_missing(fake_transformers):
    utils = fake_transformers['transformers.modeling_utils']
    own_mixin = utils.GenerationMixin = type('OwnMixin', (), {})  # present: must stay as it is
    added = compat.patch_transformers_for_mmpretrain()
    assert added == ['apply_chunking_to_forward', 'prune_linear_layer', 'find_pruneable_heads_and_indices',
                     'PretrainedConfig']
    assert utils.apply_chunking_to_forward is fake_transformers['transformers.pytorch_utils'].apply_chunking_to_forward
    assert utils.find_pruneable_heads_and_indices is compat.find_pruneable_heads_and_indices
    assert utils.GenerationMixin is own_mixin
    assert compat.patch_transformers_for_mmpretrain() == []  # idempotent


def test_patch_names_what_cannot_be_found(fake_transformers, monkeypatch):
    del fake_transformers['transformers.pytorch_utils'].prune_linear_layer
    del fake_transformers['transformers.modeling_utils'].PreTrainedModel
    monkeypatch.setitem(sys.modules, 'transformers.generation', None)  # a module that is gone
    with pytest.raises(compat.IncompatibleTransformersError,
                       match=r"needs PreTrainedModel \(looked in transformers.modeling_utils\); prune_linear_layer "
                             r"\(looked in transformers.modeling_utils and transformers.pytorch_utils\); "
                             r"GenerationMixin \(looked in transformers.modeling_utils and transformers.generation\)"
                             r".*transformers>=4.28,<5"):
        compat.patch_transformers_for_mmpretrain()
    monkeypatch.setitem(sys.modules, 'transformers.modeling_utils', None)
    with pytest.raises(compat.IncompatibleTransformersError, match='transformers.modeling_utils does not import'):
        compat.patch_transformers_for_mmpretrain()


def test_nothing_imported_when_mmpretrain_would_not_import_transformers(monkeypatch):
    monkeypatch.setattr(compat, '_installed', lambda name: name != 'pycocotools')
    assert not compat.mmpretrain_imports_transformers()
    monkeypatch.setattr(compat, '_installed', lambda name: name != 'transformers')
    assert not compat.mmpretrain_imports_transformers()

    def no_import(name):
        raise AssertionError(f'imported {name}')

    monkeypatch.setattr(compat.importlib, 'import_module', no_import)
    assert compat.patch_transformers_for_mmpretrain() == []


def test_failure_inside_mmpretrain_multimodal_is_explained():
    fake = osp.join('site-packages', 'mmpretrain', 'models', 'multimodal', 'blip', 'language_model.py')
    code = compile('class BertPreTrainedModel(None):\n    pass\n', fake, 'exec')
    with pytest.raises(compat.IncompatibleTransformersError, match=r'language_model.py \(TypeError: .*'
                       r"pip install 'transformers>=4.28,<5'") as info:
        with compat.explain_mmpretrain_import_errors():
            exec(code, {})
    assert isinstance(info.value.__cause__, TypeError)
    with pytest.raises(ZeroDivisionError):  # anything else passes unchanged
        with compat.explain_mmpretrain_import_errors():
            1 / 0


# ------------------------------------------------------------------------ subprocesses, real transformers
@needs_transformers
@pytest.mark.skipif(HAS_TRANSFORMERS and TRANSFORMERS_MAJOR < 5, reason='the breakage is that of transformers >= 5')
def test_mmpretrain_alone_breaks_with_transformers_5():
    """The problem the patch solves: without mmjepa first, mmpretrain 1.2.0 does not import."""
    proc = run_python('import mmpretrain.models')
    assert proc.returncode != 0 and 'NoneType takes no arguments' in proc.stderr, proc.stderr[-2000:]


@needs_transformers
def test_every_entry_imports_mmpretrain_after_the_patch():
    """A plain ``import mmjepa.models``, a config's custom_imports and tools/test.py all reach mmpretrain's
    multimodal models (which import transformers) through the patch."""
    proc = run_python(
        'import sys\n'
        'import mmjepa.models, mmpretrain.models\n'
        'import transformers.modeling_utils as mu, transformers.pytorch_utils as pu\n'
        'from mmpretrain.registry import MODELS\n'
        "assert 'BlipCaption' in MODELS.module_dict and 'JEPAViT' in MODELS.module_dict\n"
        'assert mu.apply_chunking_to_forward is pu.apply_chunking_to_forward\n'
        "print('transformers', sys.modules['transformers'].__version__)\n")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"transformers {metadata.version('transformers')}" in proc.stdout
    proc = run_python('from mmengine.config import Config\n'
                      f'cfg = Config.fromfile({DEMO!r})\n'  # custom_imports: mmjepa.models
                      "import sys; assert 'mmpretrain.models.multimodal' in sys.modules\n"
                      'import mmpretrain.models\n')
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = subprocess.run([sys.executable, osp.join(ROOT, 'tools/test.py'), '--help'], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and 'checkpoint' in proc.stdout, proc.stderr[-3000:]


@needs_transformers
def test_tools_train_runs_beside_transformers(tmp_path, tiny_demo_set):
    work_dir = tmp_path / 'work'
    cmd = [sys.executable, osp.join(ROOT, 'tools/train.py'), DEMO, '--work-dir', str(work_dir), '--cfg-options',
           f'train_dataloader.dataset.dataset.data_root={tiny_demo_set}', 'train_dataloader.batch_size=4',
           'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False', 'train_cfg.max_epochs=1',
           'model.predictor.depth=1', 'default_hooks.logger.interval=1']
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert (work_dir / 'epoch_1.pth').is_file() and 'loss:' in proc.stdout + proc.stderr
