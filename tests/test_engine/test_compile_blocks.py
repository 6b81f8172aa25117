# Copyright (c) mmjepa contributors. All rights reserved.
"""Per-block torch.compile of the I-JEPA step: no graph break, no recompilation after the first steps, same loss.

dynamo runs with a counting eager backend (``CompileCounter``): graph breaks and recompilations are decided by
dynamo's tracing, not by the backend, and the test stays free of inductor's compile time.
"""
import copy

import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmpretrain.registry import MODELS

from torch._dynamo.testing import CompileCounter
from torch._dynamo.utils import counters

from mmjepa.engine.compile import compile_blocks, compile_options

ARCH = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def tiny_ijepa():
    model = MODELS.build(dict(
        type='IJEPA',
        # drop-path rates > 0: mmpretrain draws them with np.linspace, the case that used to break the graphs
        backbone=dict(type='JEPAViT', arch=ARCH, img_size=32, patch_size=8, drop_path_rate=0.1),
        predictor=dict(type='JEPAPredictor', predictor_dims=16, depth=3, drop_path_rate=0.1),
        mask_sampler=dict(type='MultiBlockMaskSampler', target_scale=(0.15, 0.2), min_keep=1),
        target_generator=dict(type='EMATargetGenerator', total_steps=100)))
    model.init_weights()
    model.train()
    return model


def optim(model):
    return build_optim_wrapper(model, dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3)))


def test_jepavit_drop_path_rates_are_python_floats():
    model = tiny_ijepa()
    rates = [m.drop_prob for m in model.backbone.layers.modules() if hasattr(m, 'drop_prob')]
    assert rates and all(type(r) is float for r in rates)
    assert max(rates) == pytest.approx(0.1)


def test_compiled_blocks_no_graph_break_no_recompile_same_loss():
    torch._dynamo.reset()
    counters.clear()
    torch.manual_seed(0)
    eager = tiny_ijepa()
    compiled = copy.deepcopy(eager)
    counter = CompileCounter()
    # every block of the context encoder, the EMA target encoder and the predictor
    assert compile_blocks(compiled, backend=counter) == 2 + 2 + 3
    eager_optim, compiled_optim = optim(eager), optim(compiled)
    images = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
    data = dict(inputs=images, data_samples=None)
    graphs = []
    for step in range(6):  # each step draws new masks: other kept-token counts
        torch.manual_seed(step)  # the same drop-path draws on both sides
        loss_eager = eager.train_step(data, eager_optim)['loss']
        torch.manual_seed(step)
        loss_compiled = compiled.train_step(data, compiled_optim)['loss']
        assert torch.allclose(loss_compiled, loss_eager, rtol=1e-5, atol=1e-6), step
        graphs.append(counter.frame_count)
    assert sum(counters['graph_break'].values()) == 0, dict(counters['graph_break'])
    assert graphs[0] > 0
    assert graphs[-1] == graphs[1], f'recompiled after the second step: graphs per step {graphs}'
    for a, b in zip(eager.parameters(), compiled.parameters()):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-6)
    assert set(eager.state_dict()) == set(compiled.state_dict())  # checkpoints keep their keys


def test_compile_options_and_errors():
    assert compile_options(None) is None and compile_options(False) is None
    assert compile_options(True) == {}
    assert compile_options(dict(mode='max-autotune')) == dict(mode='max-autotune')
    with pytest.raises(TypeError, match='compile must be'):
        compile_options('yes')
    with pytest.raises(ValueError, match='compile.block_types'):
        compile_blocks(torch.nn.Linear(2, 2), backend='eager')
