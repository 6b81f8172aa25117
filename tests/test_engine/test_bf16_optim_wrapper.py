"""BF16OptimWrapper: bf16 autocast on the CPU, fp32 parameters and optimizer states, AmpOptimWrapper states."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from torch import nn

import mmjepa  # noqa: F401
from mmjepa.engine.optimizers import BF16OptimWrapper

DEMO = 'configs/demo/ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py'


def _wrapper(model, lr=0.1):
    return BF16OptimWrapper(optimizer=torch.optim.AdamW(model.parameters(), lr=lr))


def test_autocast_on_cpu_keeps_fp32_state():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 1))
    wrapper = _wrapper(model)
    before = [p.detach().clone() for p in model.parameters()]
    with wrapper.optim_context(model):
        hidden = model[0](torch.randn(4, 8))
        loss = model[2](model[1](hidden)).float().pow(2).mean()
    assert hidden.dtype == torch.bfloat16  # the matmul ran in bf16
    wrapper.update_params(loss)
    for p, old in zip(model.parameters(), before):
        assert p.dtype == torch.float32 and not torch.equal(p, old)
    state = wrapper.optimizer.state[model[0].weight]
    assert state['exp_avg'].dtype == torch.float32
    # outside the context: fp32 again
    assert model[0](torch.randn(4, 8)).dtype == torch.float32


def test_loads_amp_optim_wrapper_state():
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    wrapper = _wrapper(model)
    with wrapper.optim_context(model):
        loss = model(torch.randn(3, 4)).float().sum()
    wrapper.update_params(loss)
    saved = wrapper.state_dict()
    saved_amp = dict(copy.deepcopy(saved), loss_scaler={'scale': 65536.0, '_growth_tracker': 0})
    fresh = _wrapper(model)  # a new optimizer over the same parameters, as on resume
    fresh.load_state_dict(saved_amp)
    assert 'loss_scaler' in saved_amp  # the caller's dict is left as it was
    restored = fresh.optimizer.state_dict()['state'][0]['exp_avg']
    assert torch.equal(restored, saved['state'][0]['exp_avg'])


def test_ijepa_train_step_bf16_close_to_fp32():
    """The demo I-JEPA step under BF16OptimWrapper: same loss as fp32 up to bf16 rounding, fp32 weights."""
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(DEMO)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    twin = copy.deepcopy(model)
    images = torch.randint(0, 256, (4, 3, 64, 64), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    data = dict(inputs=images, data_samples=[DataSample() for _ in range(4)])
    losses = {}
    for name, m, wrapper_type in (('fp32', model, 'OptimWrapper'), ('bf16', twin, 'BF16OptimWrapper')):
        wrapper = build_optim_wrapper(m, dict(type=wrapper_type, optimizer=dict(type='AdamW', lr=1e-4)))
        losses[name] = m.train_step(copy.deepcopy(data), wrapper)['loss'].item()
        assert all(p.dtype == torch.float32 for p in m.parameters())
    assert losses['bf16'] != losses['fp32']  # bf16 really ran
    assert losses['bf16'] == pytest.approx(losses['fp32'], rel=0.03)


def test_amp_configs_use_bf16_wrapper():
    for config in ('configs/ijepa/ijepa_vit-base-p16_8xb256-amp-600e_in1k.py',
                   'configs/dmtjepa/dmtjepa_vit-base-p16_8xb256-amp-600e_in1k.py',
                   'configs/ecijepa/ecijepa_vit-huge-p14_16xb128-amp-300e_in1k.py'):
        assert Config.fromfile(config).optim_wrapper.type == 'BF16OptimWrapper', config
