# Copyright (c) mmjepa contributors. All rights reserved.
"""Every shipped config parses (including the mmpretrain::/mmseg::/mmdet:: bases of the benchmarks); each demo
pretraining config builds and trains."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p)


PRETRAINING = ('IJEPA', 'DMTJEPA', 'ECIJEPA', 'SARJEPA', 'ECGJEPA', 'TJEPA', 'SeqJEPA', 'ACTJEPA', 'ADLJEPA')
SAFETY_HOOKS = ('CheckpointHook', 'RNGStateHook', 'NonFiniteLossHook', 'TargetEMAHook', 'ProvenanceHook')


def check_safety_hooks(cfg) -> None:
    """A pretraining config keeps every guarantee of the shared runtime: atomic epoch and iteration checkpoints,
    the RNG state, the non-finite loss guard, the EMA update after each step and the provenance record."""
    hooks = [h['type'] for h in cfg.get('custom_hooks', [])]
    missing = [t for t in SAFETY_HOOKS if t not in hooks]
    assert not missing, f'custom_hooks lacks {missing}: extend _base_.custom_hooks instead of replacing them'
    iteration_ckpt = [h for h in cfg.custom_hooks if h['type'] == 'CheckpointHook']
    assert iteration_ckpt[0].get('by_epoch') is False
    for ckpt in (cfg.default_hooks.checkpoint, *iteration_ckpt):
        assert ckpt.get('backend_args', {}).get('backend') == 'atomic_local', ckpt


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_parses(path):
    cfg = Config.fromfile(path)
    assert 'model' in cfg and cfg.model.get('type')
    if cfg.model.type in PRETRAINING:
        check_safety_hooks(cfg)
    if 'train_cfg' in cfg and cfg.get('default_scope') == 'mmpretrain' and cfg.model.type in (
            'IJEPA', 'DMTJEPA', 'ECIJEPA'):
        assert cfg.param_scheduler[0]['type'] == 'WarmupCosineLR'
        assert cfg.param_scheduler[0]['end'] == cfg.train_cfg.max_epochs


@pytest.mark.parametrize('algorithm, model_type', [('ijepa', 'IJEPA'), ('dmtjepa', 'DMTJEPA'), ('ecijepa', 'ECIJEPA')])
def test_demo_pretraining_config_runs(algorithm, model_type):
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    import mmjepa  # noqa: F401
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(ROOT, f'configs/demo/{algorithm}_vit-tiny-p8_1xb64-16e_demo-64px.py'))
    assert cfg.model.type == model_type
    cfg.model.target_generator.total_steps = 10
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    x = torch.randn(2, 3, 64, 64)
    losses = [model.loss(x, None)['loss'] for _ in range(2)]
    assert all(torch.isfinite(v) and v > 0 for v in losses)


@pytest.mark.parametrize('table, columns', [('breast-cancer', 30), ('wine', 13), ('digits', 64), ('iris', 4),
                                            ('diabetes', 10)])
def test_tjepa_demo_configs_run(table, columns):
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    import mmjepa  # noqa: F401
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(ROOT, f'configs/demo/tjepa_ftt-d64-l4_1xb64-50e_demo-{table}.py'))
    cfg.model.target_generator.total_steps = 10
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    tok = model.backbone.tokenizer
    assert tok.num_features == columns
    rows = torch.cat([torch.randn(4, tok.num_numeric)] + [torch.zeros(4, 1)] * len(tok.cardinalities), 1)
    assert torch.isfinite(model.loss(rows, None)['loss'])


def test_every_algorithm_folder_has_a_metafile_in_the_model_index():
    import yaml
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        imported = yaml.safe_load(f)['Import']
    folders = {'ijepa', 'dmtjepa', 'ecijepa', 'sarjepa', 'ecgjepa', 'tjepa', 'seqjepa', 'adljepa', 'actjepa'}
    assert {osp.basename(osp.dirname(p)) for p in imported} == folders
    for path in imported:
        with open(osp.join(ROOT, path)) as f:
            meta = yaml.safe_load(f)
        folder = osp.dirname(path)
        listed = {m['Config'] for m in meta['Models']}
        recipes = {osp.relpath(p, ROOT) for p in glob.glob(osp.join(ROOT, folder, '*.py'))}
        assert listed == recipes, path  # every recipe of the folder, nothing else
        for model in meta['Models']:
            assert model['In Collection'] == meta['Collections'][0]['Name']
            assert {'Architecture', 'Epochs', 'Training Data'} <= set(model['Metadata'])
            for result in model['Results'] or []:
                assert result.get('Reported'), f'{model["Name"]}: a result without its source'


def test_seqjepa_demo_config_builds_and_steps():
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample
    import mmjepa  # noqa: F401
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(ROOT, 'configs/demo/seqjepa_resnet18-w16-cifar_1xb32-30e_demo-objects3d-32px.py'))
    cfg.model.target_generator.total_steps = 10
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    views = [torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8) for _ in range(4)]
    data = model.data_preprocessor(dict(inputs=views, data_samples=[DataSample(actions=torch.randn(3, 4))
                                                                     for _ in range(2)]), True)
    loss = model.loss(data['inputs'], data['data_samples'])['loss']
    assert torch.isfinite(loss) and model.backbone.embed_dims == 128 and model.aggregator.embed_dims == 160


@pytest.mark.parametrize('path, jepa', [
    ('configs/demo/actjepa_mlp-d128_1xb64-1k_demo-metaworld-reach.py', True),
    ('configs/demo/act_mlp-d128_1xb64-1k_demo-metaworld-reach.py', False),
    ('configs/actjepa/actjepa_mlp-d128_1xb64-2k_metaworld-mt5.py', True),
    ('configs/actjepa/act_mlp-d128_1xb64-2k_metaworld-mt5.py', False),
    ('configs/actjepa/actjepa_mlp-d128_1xb64-2k_metaworld-mt15.py', True),
    ('configs/actjepa/act_mlp-d128_1xb64-2k_metaworld-mt15.py', False)])
def test_actjepa_configs_run(path, jepa):
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    import mmjepa  # noqa: F401
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(ROOT, path))
    assert cfg.model.type == 'ACTJEPA' and cfg.test_cfg.type == 'RolloutTestLoop'
    assert cfg.train_dataloader.dataset.chunk_size == cfg.model.chunk_size
    # a multi-task policy, its data and its rollouts name the same tasks in the same order
    assert cfg.train_dataloader.dataset.get('model_tasks') == cfg.model.tasks
    assert cfg.model.tasks is None or cfg.model.tasks == cfg.test_cfg.tasks
    cfg.model.target_generator.total_steps = 10
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    k = cfg.model.chunk_size
    inputs = dict(obs=torch.randn(2, cfg.model.history, 39), actions=torch.rand(2, k, 4) * 2 - 1,
                  future_obs=torch.randn(2, k, 39), action_pad=torch.zeros(2, k, dtype=torch.bool))
    if cfg.model.tasks:
        inputs['task'] = torch.tensor([0, len(cfg.model.tasks) - 1])
    losses = model.loss(inputs)
    assert ('loss_jepa' in losses) == jepa and torch.isfinite(losses['loss_action'])
