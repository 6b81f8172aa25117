# Copyright (c) mmjepa contributors. All rights reserved.
"""I-JEPA, DMT-JEPA and EC-IJEPA are pinned: loss, every gradient and the whole state after two steps
(SGD + EMA update) equal the numbers written by ``tests/data/make_pinned_family.py`` on the code before the
family-core refactor (commit 85eafcc). If this fails, one of the three algorithms computes something else
now: find out why before writing the file again."""
import os.path as osp
import sys

import pytest
import torch

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'data'))
from make_pinned_family import ALGORITHMS, build, run  # noqa: E402

PINNED = torch.load(osp.join(osp.dirname(__file__), '..', 'data', 'pinned_family.pt'), weights_only=True)


@pytest.mark.parametrize('name', list(ALGORITHMS))
def test_loss_gradients_and_state_are_pinned(name):
    got, want = run(build(name)), PINNED[name]
    for step in range(2):
        assert float(got[f'loss{step}']) == pytest.approx(float(want[f'loss{step}']), abs=1e-7, rel=0)
        assert sorted(got[f'grads{step}']) == sorted(want[f'grads{step}'])
        for key, grad in want[f'grads{step}'].items():
            torch.testing.assert_close(got[f'grads{step}'][key], grad, atol=1e-7, rtol=0, msg=key)
    assert sorted(got['state']) == sorted(want['state'])
    for key, value in want['state'].items():
        torch.testing.assert_close(got['state'][key], value, atol=1e-7, rtol=0, msg=key)
