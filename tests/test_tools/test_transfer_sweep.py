# Copyright (c) mmjepa contributors. All rights reserved.
import math
import os.path as osp
import sys

import pytest

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..', 'tools', 'analysis_tools'))
import transfer_sweep  # noqa: E402


def test_metric_picks_accuracy_then_auc_then_the_named_key():
    assert transfer_sweep.metric_of({'loss': 1., 'accuracy/top1': 50.}) == ('accuracy/top1', 50.)
    assert transfer_sweep.metric_of({'multi-label/num_classes': 5, 'multi-label/auc': .8}) == ('multi-label/auc', .8)
    assert transfer_sweep.metric_of({'a/auc': .8, 'a/top1': 3.}, 'auc') == ('a/auc', .8)
    with pytest.raises(KeyError, match='pass --metric'):
        transfer_sweep.metric_of({'loss': 1.})


def sweep(values, shots=None):
    return dict(runs=[dict(shots=shots, seed=s, metric='m', value=v) for s, v in enumerate(values)])


def test_paired_difference_and_its_standard_error():
    a, b = sweep([0.8, 0.9, 0.7]), sweep([0.7, 0.7, 0.7])
    diff = transfer_sweep.compare(a, b)['all']
    assert diff['n'] == 3 and math.isclose(diff['mean'], 0.1)
    assert math.isclose(diff['se'], 0.1 / math.sqrt(3))  # sd of (0.1, 0.2, 0.0) is 0.1
    assert set(transfer_sweep.summarize(sweep([1., 2.], shots=10)['runs'])) == {'10 labels/class'}
    with pytest.raises(ValueError, match='same --shots and --seeds'):
        transfer_sweep.compare(a, sweep([0.5], shots=10))
