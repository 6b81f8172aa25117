# Copyright (c) mmjepa contributors. All rights reserved.
import math

import pytest

from mmjepa.evaluation import mean_std_se


def test_mean_sample_std_and_standard_error():
    mean, std, se = mean_std_se([1., 2., 3., 6.])
    assert mean == 3. and math.isclose(std, math.sqrt(14 / 3)) and math.isclose(se, std / 2)
    assert all(math.isnan(v) for v in mean_std_se([2.])[1:])
    assert mean_std_se([2.], single_std=0.) == (2., 0., 0.)
    with pytest.raises(ValueError, match='no values'):
        mean_std_se([])
