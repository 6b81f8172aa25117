# Copyright (c) mmjepa contributors. All rights reserved.
"""tools/train.py's command-line options applied to a config (merge_args: --amp) and its FSDP check."""
import importlib.util
import os.path as osp
import sys
from unittest import mock

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'configs/demo/ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py')
AMP = osp.join(ROOT, 'configs/ijepa/ijepa_vit-base-p16_8xb256-amp-600e_in1k.py')


def _train_tool():
    spec = importlib.util.spec_from_file_location('mmjepa_train_tool', osp.join(ROOT, 'tools/train.py'))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    return train


def merged(config, *options):
    train = _train_tool()
    with mock.patch.object(sys, 'argv', ['train.py', config, *options]):
        args = train.parse_args()
    return train.merge_args(Config.fromfile(config), args)


@pytest.mark.parametrize('config, expected', [(DEMO, 'BF16OptimWrapper'), (AMP, 'BF16OptimWrapper')])
def test_amp_gives_bf16_wrapper(config, expected):
    assert merged(config, '--amp').optim_wrapper.type == expected


def test_amp_keeps_amp_optim_wrapper():
    cfg = merged(DEMO, '--amp', '--cfg-options', 'optim_wrapper.type=AmpOptimWrapper', 'optim_wrapper.dtype=float16')
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper' and cfg.optim_wrapper.dtype == 'float16'


def test_amp_gives_amp_optim_wrapper_bf16_by_default():
    cfg = merged(DEMO, '--amp', '--cfg-options', 'optim_wrapper.type=AmpOptimWrapper')
    assert cfg.optim_wrapper.dtype == 'bfloat16'


def test_amp_refuses_unknown_wrapper():
    with pytest.raises(ValueError, match='optim_wrapper.type'):
        merged(DEMO, '--amp', '--cfg-options', 'optim_wrapper.type=ApexOptimWrapper')


def test_without_amp_the_demo_stays_fp32():
    assert merged(DEMO).optim_wrapper.type == 'OptimWrapper'


@pytest.mark.parametrize('options', [
    ['runner_type=FlexibleRunner', 'strategy.type=FSDPStrategy'],
    ['model_wrapper_cfg.type=MMFullyShardedDataParallel']])
def test_fsdp_needs_the_jepa_wrap_policy(options):
    cfg = merged(DEMO, '--cfg-options', *options)
    with pytest.raises(ValueError, match="needs auto_wrap_policy='jepa_fsdp_wrap_policy'"):
        _train_tool().check_fsdp(cfg)


def test_fsdp_with_policy_and_hook_is_accepted():
    train = _train_tool()
    cfg = merged(DEMO, '--cfg-options', 'runner_type=FlexibleRunner', 'strategy.type=FSDPStrategy',
                 'strategy.model_wrapper.auto_wrap_policy=jepa_fsdp_wrap_policy')
    train.check_fsdp(cfg)
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h['type'] != 'TargetEMAHook']
    with pytest.raises(ValueError, match='TargetEMAHook'):
        train.check_fsdp(cfg)


def test_fsdp_check_leaves_other_models_and_ddp_alone():
    train = _train_tool()
    train.check_fsdp(merged(DEMO))  # DDP / single process: fine
    cfg = Config(dict(model=dict(type='ImageClassifier'), strategy=dict(type='FSDPStrategy')))
    train.check_fsdp(cfg)  # a transfer model may use FSDP with any policy


def _fake_checkpoint(path):
    """A small file in PyTorch's zip layout (what ``torch.save`` writes)."""
    import torch
    torch.save({'meta': {}, 'state_dict': {'w': torch.zeros(4)}}, path)
    return path


def test_resume_takes_the_latest_readable_checkpoint_and_reports_a_truncated_one(tmp_path, capsys):
    import os
    good = _fake_checkpoint(tmp_path / 'iter_10.pth')
    bad = _fake_checkpoint(tmp_path / 'iter_20.pth')
    bad.write_bytes(bad.read_bytes()[:100])  # a save killed mid-way
    os.utime(good, (1, 1))
    (tmp_path / 'last_checkpoint').write_text(str(bad))
    cfg = merged(DEMO, '--resume', '--work-dir', str(tmp_path))
    assert cfg.resume is True and cfg.load_from == str(good)
    assert f'cannot resume from {bad}: truncated or corrupt' in capsys.readouterr().err


def test_resume_with_nothing_to_resume_is_an_error_unless_asked_to_start(tmp_path):
    with pytest.raises(FileNotFoundError, match='no readable checkpoint in .*--resume-or-start'):
        merged(DEMO, '--resume', '--work-dir', str(tmp_path))
    (tmp_path / 'epoch_1.pth').write_bytes(b'')
    with pytest.raises(FileNotFoundError, match=r'epoch_1.pth: empty \(0 bytes\)'):
        merged(DEMO, '--resume', '--work-dir', str(tmp_path))
    cfg = merged(DEMO, '--resume-or-start', '--work-dir', str(tmp_path))
    assert cfg.resume is False and cfg.load_from is None


def test_resume_from_a_given_unreadable_checkpoint_names_it(tmp_path):
    (tmp_path / 'epoch_3.pth').write_text('not a checkpoint')
    with pytest.raises(ValueError, match='epoch_3.pth: the checkpoint is truncated or corrupt'):
        merged(DEMO, '--resume', str(tmp_path / 'epoch_3.pth'))
