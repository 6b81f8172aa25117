# Copyright (c) mmjepa contributors. All rights reserved.
"""OneCycleLRPlainState: mmengine's one-cycle schedule, with a state that torch.load(weights_only=True) reads."""
import io

import torch
from mmengine.optim.scheduler import OneCycleLR

from mmjepa.engine import OneCycleLRPlainState


def lrs(scheduler, optimizer, steps):
    out = []
    for _ in range(steps):
        out.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        scheduler.step()
    return out


def make(cls):
    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(2))], lr=3e-4)
    return cls(optimizer, eta_max=3e-4, total_steps=20, pct_start=0.4, div_factor=10, by_epoch=False), optimizer


def test_same_schedule_and_plain_state():
    ours, opt_a = make(OneCycleLRPlainState)
    theirs, opt_b = make(OneCycleLR)
    assert lrs(ours, opt_a, 12) == lrs(theirs, opt_b, 12)
    buffer = io.BytesIO()
    torch.save(theirs.state_dict(), buffer)
    buffer.seek(0)
    try:  # mmengine's own state pickles its annealing method: not plain data
        torch.load(buffer, weights_only=True)
        raise AssertionError('mmengine OneCycleLR state now loads with weights_only=True: drop the subclass')
    except Exception as error:
        assert 'getattr' in str(error) or 'Unsupported' in str(error) or 'weights_only' in str(error), error
    buffer = io.BytesIO()
    torch.save(ours.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    assert 'anneal_func' not in state
    resumed, opt_c = make(OneCycleLRPlainState)
    resumed.load_state_dict(state)
    opt_c.param_groups[0]['lr'] = opt_a.param_groups[0]['lr']
    assert lrs(resumed, opt_c, 8) == lrs(ours, opt_a, 8)  # the resumed run continues the same curve
