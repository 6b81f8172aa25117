# Copyright (c) mmjepa contributors. All rights reserved.
"""The difference of two classifiers' accuracies on the same images, with its paired standard error.

Both probes score the same N images, so the per-image outcomes are paired. With ``d_i = a_i - b_i`` in
{-1, 0, 1} (``a_i``, ``b_i`` = 1 where classifier A, B is right), the accuracy difference is ``mean(d)`` and its
standard error is ``sd(d) / sqrt(N)``:

    SE = sqrt(n_ab + n_ba - (n_ab - n_ba)^2 / N) / N

where ``n_ab`` counts the images only A gets right and ``n_ba`` those only B gets right: the discordant pairs
of McNemar's test (McNemar 1947, https://doi.org/10.1007/BF02295996). Images both get right or both get
wrong add nothing, so the paired SE is smaller than the unpaired ``sqrt(p_a q_a / N + p_b q_b / N)`` when
the two classifiers agree on most images.
"""
from typing import Sequence

import numpy as np


def paired_difference(correct_a: Sequence[bool], correct_b: Sequence[bool]) -> dict:
    """Accuracy difference A - B (percentage points) on the same images and its paired SE.

    Returns ``diff``, ``se`` (both in points), ``z`` (diff / se; inf or nan when se is 0), ``a_only`` and
    ``b_only`` (discordant counts) and ``num``.
    """
    a = np.asarray(correct_a, dtype=bool)
    b = np.asarray(correct_b, dtype=bool)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(f'Expected two equally long, non-empty 1-D outcome vectors on the same images; got shapes '
                         f'{a.shape} and {b.shape}')
    n = a.size
    a_only, b_only = int((a & ~b).sum()), int((b & ~a).sum())
    diff = (a_only - b_only) / n
    se = np.sqrt(max(a_only + b_only - (a_only - b_only)**2 / n, 0.)) / n
    z = diff / se if se > 0 else (float('nan') if diff == 0 else float('inf') * np.sign(diff))
    return dict(diff=100. * diff, se=100. * se, z=float(z), a_only=a_only, b_only=b_only, num=n)
