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


def sweep(values, shots=None, fraction=None):
    return dict(runs=[dict(shots=shots, fraction=fraction, seed=s, metric='m', value=v) for s, v in enumerate(values)])


def test_paired_difference_and_its_standard_error():
    a, b = sweep([0.8, 0.9, 0.7]), sweep([0.7, 0.7, 0.7])
    diff = transfer_sweep.compare(a, b)['all']
    assert diff['n'] == 3 and math.isclose(diff['mean'], 0.1)
    assert math.isclose(diff['se'], 0.1 / math.sqrt(3))  # sd of (0.1, 0.2, 0.0) is 0.1
    assert set(transfer_sweep.summarize(sweep([1., 2.], shots=10)['runs'])) == {'10 labels/class'}
    with pytest.raises(ValueError, match=r'same --shots \(or --fractions\) and --seeds'):
        transfer_sweep.compare(a, sweep([0.5], shots=10))


def test_label_fractions_pair_on_fraction_and_seed():
    """AD-L-JEPA's label-efficiency sweeps group by the share of labels and pair runs on (fraction, seed)."""
    a = dict(runs=sweep([0.5, 0.6], fraction=0.2)['runs'] + sweep([0.7, 0.9], fraction=0.5)['runs'])
    b = dict(runs=sweep([0.4, 0.4], fraction=0.2)['runs'] + sweep([0.7, 0.7], fraction=0.5)['runs'])
    diff = transfer_sweep.compare(a, b)
    assert set(diff) == {'20 % of the labels', '50 % of the labels'}
    assert math.isclose(diff['20 % of the labels']['mean'], 0.15) and math.isclose(diff['50 % of the labels']['mean'], 0.1)
    with pytest.raises(ValueError, match='fraction=0.05'):
        transfer_sweep.compare(sweep([0.5], fraction=0.05), b)
    old = dict(runs=[dict(shots=None, seed=0, metric='m', value=1.0)])  # sweeps written before --fractions
    assert transfer_sweep.compare(old, old)['all']['mean'] == 0.0
