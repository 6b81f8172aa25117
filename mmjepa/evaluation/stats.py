# Copyright (c) mmjepa contributors. All rights reserved.
"""The mean of repeated measurements (seeds, rollouts) with its standard error, as the tools report them."""
import math
from typing import Sequence, Tuple

import numpy as np


def mean_std_se(values: Sequence[float], single_std: float = float('nan')) -> Tuple[float, float, float]:
    """``(mean, std, se)`` of ``values``: the sample standard deviation (ddof 1) and ``std / sqrt(n)``; one value
    has no spread, so its std is ``single_std`` (NaN by default; 0 where a tool reports a single run as exact)."""
    a = np.asarray(values, dtype=np.float64)
    if a.size == 0:
        raise ValueError('mean_std_se: no values')
    std = float(a.std(ddof=1)) if a.size > 1 else float(single_std)
    return float(a.mean()), std, std / math.sqrt(a.size)
