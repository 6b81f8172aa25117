# Copyright (c) mmjepa contributors. All rights reserved.
"""Training guards: the collapse monitor (RankMe, feature spread) and the non-finite loss stop."""
import hashlib
import itertools
import math
import os
import os.path as osp
import random
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import CheckpointHook, LoggerHook
from mmengine.logging import MessageHub
from mmengine.registry import HOOKS, DefaultScope
from mmengine.runner import get_priority
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmjepa  # noqa: F401  (registers the models and hooks)
from mmjepa.engine.hooks import CollapseMonitorHook, NonFiniteLossHook, collapse_monitor, feature_std, rankme
from mmjepa.engine.hooks.collapse_monitor import subsample_rows

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'configs/demo/{}_vit-tiny-p8_1xb64-16e_demo-64px.py')
SMALL_ARCH = dict(embed_dims=64, num_layers=2, num_heads=2, feedforward_channels=128)
HUB_IDS = itertools.count()


def build_model(algo: str = 'ijepa') -> torch.nn.Module:
    """The demo config's model with a 2-layer, 64-wide encoder (the demo's 8x8 patch grid at 64 px)."""
    cfg = Config.fromfile(DEMO.format(algo))
    cfg.model.backbone.arch = SMALL_ARCH
    cfg.model.predictor.update(predictor_dims=32, depth=1)
    cfg.model.data_preprocessor = cfg.data_preprocessor  # as the Runner does
    with torch.random.fork_rng(), DefaultScope.overwrite_default_scope('mmpretrain'):
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        model.init_weights()
    return model


def make_batch(num_images: int = 8) -> dict:
    generator = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (num_images, 3, 64, 64), dtype=torch.uint8, generator=generator)
    return dict(inputs=images, data_samples=[DataSample() for _ in range(num_images)])


def fake_runner(model, it: int, work_dir: str = '.') -> SimpleNamespace:
    """What the hooks read from a Runner: ``iter`` is 0-based (``it`` done iterations -> ``iter = it - 1``)."""
    hub = MessageHub.get_instance(f'test_guards_{next(HUB_IDS)}')  # a fresh hub per runner
    return SimpleNamespace(model=model, iter=it - 1, epoch=0, message_hub=hub, work_dir=work_dir)


@pytest.fixture(scope='module')
def ijepa():
    return build_model('ijepa')


@pytest.fixture
def warnings(monkeypatch):
    messages = []
    monkeypatch.setattr(collapse_monitor, 'print_log', lambda msg, **kwargs: messages.append(msg))
    return messages


# ------------------------------------------------------------------------------------------------ metrics
def test_rankme_of_known_spectra():
    n = 16
    q, _ = torch.linalg.qr(torch.randn(64, n, generator=torch.Generator().manual_seed(0)))
    assert rankme(torch.eye(n)) == pytest.approx(n, rel=1e-4)
    assert rankme(q * 3.) == pytest.approx(n, rel=1e-4)  # n equal singular values, whatever the basis
    rank1 = torch.randn(64, 1) @ torch.randn(1, 32)
    assert 1. <= rankme(rank1) < 1.001
    # two equal singular values and the rest ~0: 2
    assert rankme(torch.cat([torch.eye(2), torch.zeros(2, 30)], dim=1).repeat(8, 1)) == pytest.approx(2, rel=1e-3)
    assert math.isfinite(rankme(torch.zeros(8, 8)))  # no 0/0


def test_feature_std_spread_and_collapse():
    spread = torch.randn(4096, 64, generator=torch.Generator().manual_seed(0))
    assert feature_std(spread) == pytest.approx(1., abs=0.03)
    assert feature_std(torch.randn(64).expand(100, 64)) == pytest.approx(0., abs=1e-6)
    with pytest.raises(ValueError, match='num_samples >= 2'):
        feature_std(torch.randn(1, 8))


def test_subsample_rows_is_deterministic_and_bounded():
    x = torch.arange(1000.).unsqueeze(1)
    state = torch.get_rng_state()
    a, b = subsample_rows(x, 100), subsample_rows(x, 100)
    assert torch.equal(a, b) and a.shape == (100, 1) and a[0] == 0 and a[-1] == 999
    assert torch.equal(torch.get_rng_state(), state)
    assert subsample_rows(x, 5000) is x


@pytest.mark.parametrize('kwargs, key', [(dict(interval=0), 'interval'), (dict(interval=2.5), 'interval'),
                                         (dict(min_rank=0.5), 'min_rank'), (dict(min_std=-1), 'min_std'),
                                         (dict(max_tokens=1), 'max_tokens')])
def test_collapse_monitor_validates_arguments(kwargs, key):
    with pytest.raises(ValueError, match=key):
        CollapseMonitorHook(**kwargs)


def test_hooks_registered_in_root_and_ordered():
    for name in ('CollapseMonitorHook', 'NonFiniteLossHook'):
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            from mmpretrain.registry import HOOKS as PRETRAIN_HOOKS
            assert type(PRETRAIN_HOOKS.build(dict(type=name))).__name__ == name
        assert HOOKS.get(name) is not None
    # the NaN stop runs before any checkpoint save, the monitor before the logger prints the iteration
    assert get_priority(NonFiniteLossHook.priority) < get_priority(CheckpointHook.priority)
    assert get_priority(CollapseMonitorHook.priority) < get_priority(LoggerHook.priority)
    runtime = Config.fromfile(DEMO.format('ijepa')).custom_hooks
    assert {'NonFiniteLossHook', 'CollapseMonitorHook'} <= {hook['type'] for hook in runtime}


# ------------------------------------------------------------------------------------------ collapse hook
def test_target_features_are_extract_feat_tokens(ijepa):
    inputs = ijepa.data_preprocessor(make_batch(2), False)['inputs']
    tokens = ijepa.target_features(inputs)
    featmap = ijepa.extract_feat(inputs)[0]  # [B, D, h, w]
    assert tokens.shape == (2, 64, 64) and not tokens.requires_grad
    torch.testing.assert_close(tokens, featmap.flatten(2).transpose(1, 2))


def test_monitor_logs_healthy_features_without_warning(ijepa, warnings):
    hook = CollapseMonitorHook(interval=5, max_tokens=256)
    hook.before_train(fake_runner(ijepa, 1))
    runner = fake_runner(ijepa, 4)
    hook.after_train_iter(runner, 3, make_batch())
    assert 'train/rankme' not in runner.message_hub.log_scalars  # not an interval iteration
    runner = fake_runner(ijepa, 10)
    hook.after_train_iter(runner, 9, make_batch())
    rank = runner.message_hub.get_scalar('train/rankme').current()
    std = runner.message_hub.get_scalar('train/feature_std').current()
    assert rank > hook.min_rank and std > hook.min_std and rank <= 64
    assert warnings == []


def test_monitor_warns_on_collapse(warnings):
    model = build_model('ijepa')
    model.target_generator.encoder.ln1.weight.data.zero_()  # every token becomes the LayerNorm bias
    runner = fake_runner(model, 10)
    CollapseMonitorHook(interval=5).after_train_iter(runner, 9, make_batch())
    rank = runner.message_hub.get_scalar('train/rankme').current()
    assert rank < 1.01 and runner.message_hub.get_scalar('train/feature_std').current() < 1e-6
    assert len(warnings) == 2
    assert 'train/rankme=1' in warnings[0] and 'min_rank=10' in warnings[0] and 'iteration 10' in warnings[0]
    assert 'train/feature_std=0' in warnings[1] and 'min_std=0.1' in warnings[1]


def test_monitor_leaves_rng_model_and_mode_unchanged(ijepa, monkeypatch):
    random.seed(3)
    np.random.seed(3)
    torch.manual_seed(3)
    before = (random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state())
    weights = {k: v.clone() for k, v in ijepa.state_dict().items()}
    ijepa.train()
    hook = CollapseMonitorHook(interval=1, max_tokens=128)
    hook.after_train_iter(fake_runner(ijepa, 1), 0, make_batch())
    # and even a feature extractor that draws random numbers cannot shift the run's streams
    features = ijepa.target_features
    monkeypatch.setattr(ijepa, 'target_features', lambda x: features(x) + 0 * torch.randn(1) + 0 * np.random.rand())
    hook.after_train_iter(fake_runner(ijepa, 2), 1, make_batch())
    assert random.getstate() == before[0]
    assert np.array_equal(np.random.get_state()[1], before[1])
    assert torch.equal(torch.get_rng_state(), before[2])
    assert ijepa.training and all(torch.equal(v, weights[k]) for k, v in ijepa.state_dict().items())


@pytest.mark.parametrize('algo', ['dmtjepa', 'ecijepa'])
def test_monitor_runs_on_variants(algo, warnings):
    model = build_model(algo)
    runner = fake_runner(model, 2)
    CollapseMonitorHook(interval=2, max_tokens=128).after_train_iter(runner, 1, make_batch(4))
    assert runner.message_hub.get_scalar('train/rankme').current() > 10 and warnings == []


def test_monitor_unwraps_ddp(ijepa, tmp_path, warnings):
    from mmengine.model import MMDistributedDataParallel
    torch.distributed.init_process_group('gloo', init_method=f'file://{tmp_path}/store', rank=0, world_size=1)
    try:
        runner = fake_runner(MMDistributedDataParallel(module=ijepa), 3)
        hook = CollapseMonitorHook(interval=3, max_tokens=128)
        hook.before_train(runner)
        hook.after_train_iter(runner, 2, make_batch(2))
        assert runner.message_hub.get_scalar('train/rankme').current() > 10
    finally:
        torch.distributed.destroy_process_group()


def test_monitor_rejects_models_without_target_features():
    with pytest.raises(TypeError, match='target_features.*custom_hooks'):
        CollapseMonitorHook().before_train(fake_runner(torch.nn.Linear(2, 2), 1))


# -------------------------------------------------------------------------------------------- NaN guard
def test_nonfinite_loss_raises_naming_last_checkpoint(tmp_path):
    hook = NonFiniteLossHook()
    runner = fake_runner(None, 7, str(tmp_path))
    runner.epoch = 1
    hook.after_train_iter(runner, 2, outputs=dict(loss=torch.tensor(0.5), ema_momentum=torch.tensor(math.nan)))
    with pytest.raises(FloatingPointError, match=r'iteration 7 \(epoch 2\).*loss=nan.*No checkpoint was saved'):
        hook.after_train_iter(runner, 2, outputs=dict(loss=torch.tensor(math.nan)))
    ckpt = tmp_path / 'epoch_1.pth'
    ckpt.write_bytes(b'weights')
    (tmp_path / 'last_checkpoint').write_text(str(ckpt))
    with pytest.raises(FloatingPointError, match=r'loss_pred=inf.*last good checkpoint is .*epoch_1\.pth'):
        hook.after_train_iter(runner, 2, outputs=dict(loss=torch.tensor(1.), loss_pred=torch.tensor(math.inf)))


def test_nonfinite_loss_stops_every_rank(tmp_path, monkeypatch):
    """A NaN on another rank stops this one too (the all-reduced flag), so no rank goes on to save."""
    from mmjepa.engine.hooks import nonfinite_loss
    monkeypatch.setattr(nonfinite_loss, 'get_world_size', lambda: 2)
    monkeypatch.setattr(nonfinite_loss, 'all_reduce', lambda flag: flag.add_(1.))  # the other rank saw a NaN
    with pytest.raises(FloatingPointError, match='another rank'):
        NonFiniteLossHook().after_train_iter(fake_runner(None, 3, str(tmp_path)), 2,
                                             outputs=dict(loss=torch.tensor(0.5)))


class _NoSync(torch.Tensor):
    """A loss that fails the test when the host reads it (a device synchronisation on a GPU)."""

    def _read(self, *args):
        raise AssertionError('the hook read a loss on the host')

    __bool__ = __float__ = __int__ = item = tolist = _read


def test_nonfinite_loss_read_every_interval_without_reading_the_losses(tmp_path):
    """Recorded on the device each step, read every ``interval`` steps; the message names the bad step."""
    hook = NonFiniteLossHook(interval=4)
    for it, value in [(1, 0.5), (2, math.nan), (3, 0.25)]:  # no read, no raise before iteration 4
        hook.after_train_iter(fake_runner(None, it, str(tmp_path)), it - 1,
                              outputs=dict(loss=torch.tensor(value).as_subclass(_NoSync)))
    with pytest.raises(FloatingPointError, match=r'iteration 2 \(epoch 1\): loss=nan'):
        hook.after_train_iter(fake_runner(None, 4, str(tmp_path)), 3, outputs=dict(loss=torch.tensor(0.5)))
    hook.after_train_iter(fake_runner(None, 8, str(tmp_path)), 7, outputs=dict(loss=torch.tensor(0.5)))  # clean
    with pytest.raises(ValueError, match='interval'):
        NonFiniteLossHook(interval=0)


def test_nonfinite_loss_read_before_every_save(tmp_path):
    """Whatever the interval, a save reads the record first: no checkpoint of diverged weights."""
    hook = NonFiniteLossHook(interval=1000)
    hook.after_train_iter(fake_runner(None, 5, str(tmp_path)), 4, outputs=dict(loss=torch.tensor(math.inf)))
    hook.after_train_iter(fake_runner(None, 6, str(tmp_path)), 5, outputs=dict(loss=torch.tensor(0.5)))
    with pytest.raises(FloatingPointError, match=r'iteration 5 \(epoch 1\): loss=inf'):
        hook.before_save_checkpoint(fake_runner(None, 6, str(tmp_path)), checkpoint={})
    hook.before_save_checkpoint(fake_runner(None, 7, str(tmp_path)), checkpoint={})  # a clean record saves


NAN_INJECTOR = '''
import hashlib

from mmjepa.models.algorithms.ijepa import IJEPA
from mmpretrain.registry import MODELS


@MODELS.register_module()
class NaNAtStepIJEPA(IJEPA):
    """IJEPA whose loss turns NaN at step ``nan_step``; first records the last checkpoint's sha256."""

    def __init__(self, nan_step, record_to, **kwargs):
        super().__init__(**kwargs)
        self.nan_step, self.record_to = nan_step, record_to

    def loss(self, inputs, data_samples, **kwargs):
        losses = super().loss(inputs, data_samples, **kwargs)
        if self._step == self.nan_step:
            with open(self.record_to.rsplit('/', 1)[0] + '/last_checkpoint') as f:
                path = f.read().strip()
            with open(path, 'rb') as f, open(self.record_to, 'w') as out:
                out.write(path + ' ' + hashlib.sha256(f.read()).hexdigest())
            losses['loss'] = losses['loss'] * float('nan')  # NaN gradients: the weights diverge too
        return losses
'''


def test_nan_in_training_stops_before_any_save(tmp_path, tiny_demo_set):
    """4 iterations per epoch; the loss is NaN at iteration 8, the last of epoch 2, whose epoch-end save
    would otherwise write epoch_2.pth with NaN weights."""
    (tmp_path / 'nan_injector.py').write_text(NAN_INJECTOR)
    work_dir = tmp_path / 'work'
    cfg = Config.fromfile(DEMO.format('ijepa'))
    key, dataset = 'train_dataloader.dataset', cfg.train_dataloader.dataset
    while 'data_root' not in dataset:  # the demo set may be wrapped (e.g. SeededDataset)
        key, dataset = key + '.dataset', dataset.dataset
    (tmp_path / 'nan_cfg.py').write_text(textwrap.dedent(f'''
        _base_ = [{DEMO.format('ijepa')!r}]
        custom_imports = dict(imports=['mmjepa', 'nan_injector'], allow_failed_imports=False)
        model = dict(type='NaNAtStepIJEPA', nan_step=8, record_to={str(work_dir / 'at_nan.txt')!r},
                     backbone=dict(arch=dict(_delete_=True, **{SMALL_ARCH!r})),
                     predictor=dict(predictor_dims=32, depth=1))
        custom_hooks = [dict(hook, interval=2, min_rank=1000) if hook['type'] == 'CollapseMonitorHook' else hook
                        for hook in _base_.custom_hooks]
        '''))
    cmd = [sys.executable, osp.join(ROOT, 'tools/train.py'), str(tmp_path / 'nan_cfg.py'), '--work-dir',
           str(work_dir), '--cfg-options', f'{key}.data_root={tiny_demo_set}', 'train_dataloader.batch_size=4',
           'train_dataloader.num_workers=0', 'train_cfg.max_epochs=2', 'default_hooks.checkpoint.interval=1',
           'default_hooks.logger.interval=1']
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), ROOT]))
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out[-3000:]
    assert 'FloatingPointError: Non-finite loss at iteration 8 (epoch 2): loss=nan' in out, out[-3000:]
    assert 'rankme:' in out and 'feature_std:' in out  # the monitor reached the log lines, and warned
    assert 'is below min_rank=1000 at iteration 2 (epoch 1)' in out
    path, digest = (work_dir / 'at_nan.txt').read_text().split()
    assert osp.basename(path) == 'epoch_1.pth' and f'The last good checkpoint is {path}' in out
    with open(path, 'rb') as f:
        assert hashlib.sha256(f.read()).hexdigest() == digest  # untouched since the NaN appeared
    assert sorted(p.name for p in work_dir.glob('*.pth')) == ['epoch_1.pth']
    assert (work_dir / 'last_checkpoint').read_text().strip() == path
    logs = list(work_dir.glob('*/*.log'))
    assert logs and 'Non-finite loss at iteration 8' in logs[0].read_text()  # also in the run's log file
