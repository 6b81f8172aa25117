# Copyright (c) mmjepa contributors. All rights reserved.
"""The EMA momentum schedules: I-JEPA's linear one and seq-JEPA's per-epoch cosine (hafezgh/seq-jepa, engine.py:
after each optimizer step, ``decay = 1 - (1 - base) (cos(pi epoch / epochs) + 1) / 2``)."""
import math

import pytest
from torch import nn

from mmjepa.models.target_generators import EMATargetGenerator


def official_seqjepa_momenta(base: float, epochs: int, steps_per_epoch: int):
    """The decay each update of the official loop uses (it starts at ``base``, set again after every step)."""
    decay, used = base, []
    for epoch in range(epochs):
        for _ in range(steps_per_epoch):
            used.append(decay)  # update_moving_average() with the current decay
            decay = 1 - (1 - base) * ((math.cos(math.pi * epoch / epochs) + 1) / 2)
    return used


def test_epoch_cosine_equals_the_official_seqjepa_loop():
    gen = EMATargetGenerator(nn.Linear(2, 2), momentum=(0.996, 1.0), total_steps=5 * 3, schedule='epoch_cosine',
                             steps_per_epoch=3)
    ours = [gen.momentum_at(step) for step in range(15)]
    assert ours == pytest.approx(official_seqjepa_momenta(0.996, epochs=5, steps_per_epoch=3), abs=1e-12)
    linear = EMATargetGenerator(nn.Linear(2, 2), total_steps=15)
    assert [linear.momentum_at(s) for s in range(15)] != pytest.approx(ours, abs=1e-6)  # the two really differ


def test_unknown_schedule_names_the_key():
    with pytest.raises(ValueError, match="model.target_generator.schedule='cosine' must be one of"):
        EMATargetGenerator(nn.Linear(2, 2), schedule='cosine')
