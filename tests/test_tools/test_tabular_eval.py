# Copyright (c) mmjepa contributors. All rights reserved.
"""tabular_eval.py: frozen T-JEPA tokens (flattened, register token first) vs raw features, over seeds, to JSON
and markdown; a checkpoint's encoder is the one evaluated."""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmjepa.datasets.tabular import write_sklearn_table

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
IRIS = osp.join(REPO, 'configs/demo/tjepa_ftt-d64-l4_1xb64-50e_demo-iris.py')
TINY = ['model.backbone.arch.num_layers=1', 'model.predictor.depth=1']


@pytest.fixture(scope='module')
def iris_root(tmp_path_factory):
    out = tmp_path_factory.mktemp('tables')
    write_sklearn_table(str(out), 'iris', seed=0)
    return osp.join(str(out), 'iris')


def test_tokens_vs_raw_features_over_seeds(load_tool, iris_root, tmp_path):
    tool = load_tool('analysis_tools/tabular_eval.py')
    result = tool.main([IRIS, 'none', '--seeds', '2', '--models', 'mlp', 'xgboost', '--max-epochs', '3',
                        '--table-root', iris_root, '--out-dir', str(tmp_path), '--cfg-options', *TINY])
    assert result['table'] == 'iris' and result['task'] == 'classification'
    assert result['num_rows'] == dict(train=90, val=30, test=30)
    assert result['input_dims'] == dict(tjepa=(1 + 4) * 64, raw=4)  # register token + 4 feature tokens, flattened
    assert len(result['runs']) == 2 * 2 * 2
    for key in ('tjepa+mlp', 'tjepa+xgboost', 'raw+mlp', 'raw+xgboost'):
        s = result['summary'][key]
        values = [r['value'] for r in result['runs'] if f'{r["inputs"]}+{r["model"]}' == key]
        assert s['n'] == 2 and np.isclose(s['mean'], np.mean(values)) and 0 <= s['mean'] <= 1
        assert np.isclose(s['std'], np.std(values, ddof=1)) and np.isclose(s['se'], s['std'] / np.sqrt(2))
    assert result['benchmark_meta'] == dict(task='tabular', table='iris', dataset='iris', metric='accuracy')
    saved = json.loads((tmp_path / 'tabular_eval.json').read_text())
    assert saved['metrics']['raw+xgboost/accuracy'] == result['summary']['raw+xgboost']['mean']
    assert '| mlp |' in (tmp_path / 'tabular_eval.md').read_text()


def test_checkpoint_encoder_is_embedded(load_tool, iris_root, tmp_path):
    """The tokens come from the checkpoint's EMA target encoder (a changed weight changes them)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    tool = load_tool('analysis_tools/tabular_eval.py')
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(IRIS)
    cfg.merge_from_dict({k: int(v) for k, v in (o.split('=') for o in TINY)})
    cfg.model.target_generator.total_steps = 1
    model = MODELS.build(cfg.model)
    model.init_weights()
    x = torch.randn(3, 4)
    before = tool.embed(model.target_generator.encoder, x.numpy())
    with torch.no_grad():
        model.target_generator.encoder.ln1.fc.bias.add_(1.)
    after = tool.embed(model.target_generator.encoder, x.numpy())
    assert before.shape == (3, 5 * 64) and not np.allclose(before, after)
    ckpt = tmp_path / 'ckpt.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    result = tool.main([IRIS, str(ckpt), '--seeds', '1', '--models', 'xgboost', '--inputs', 'tjepa',
                        '--table-root', iris_root, '--out-dir', str(tmp_path), '--cfg-options', *TINY])
    assert set(result['summary']) == {'tjepa+xgboost'}
