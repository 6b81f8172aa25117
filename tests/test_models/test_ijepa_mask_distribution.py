# Copyright (c) mmjepa contributors. All rights reserved.
"""I-JEPA's masks at scale match the official collator's distribution: on the 16x16 grid of ViT-H/14 at 16 GPUs x
128, the official ``MaskCollator`` (facebookresearch/ijepa) truncates per GPU batch; mmjepa's recipes draw in groups
of the official per-GPU batch (``model.mask_group_size=128``). The context and target sizes of 480 per-GPU batches
of the official collator (two global seeds) are in ``tests/data/ijepa_official/`` (README.md there)."""
import os.path as osp
import sys

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from test_ijepa import tiny_ijepa  # noqa: E402

OFFICIAL = torch.load(osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data', 'ijepa_official',
                               'mask_sizes_16x16_b128.pt'), weights_only=True)
SETTINGS = OFFICIAL['settings']


def kept_sizes(mask_group_size):
    """Context and target sizes of every mask group of ``steps`` steps of 16 x 128 images (mask_seed 0, whose
    per-step seed is the official per-batch counter's)."""
    model = tiny_ijepa(backbone=dict(type='JEPAViT', arch='tiny', img_size=224, patch_size=14),
                       mask_sampler=dict(type='MultiBlockMaskSampler'), mask_group_size=mask_group_size)
    context, target = [], []
    for step in range(SETTINGS['steps']):
        model._step = step
        for _, _, masks in model.mask_groups(torch.empty(SETTINGS['gpus'] * SETTINGS['per_gpu'], 0)):
            context.append(masks.context.shape[1])
            target.append(masks.targets.shape[2])
    return np.array(context), np.array(target)


def total_variation(a, b) -> float:
    bins = np.arange(SETTINGS['grid']**2 + 2)
    return 0.5 * float(np.abs(np.histogram(a, bins)[0] / len(a) - np.histogram(b, bins)[0] / len(b)).sum())


def test_grouped_draw_has_the_official_per_gpu_distribution():
    official, official_again = OFFICIAL['context'].numpy()
    noise_floor = total_variation(official, official_again)  # two seeds of the official collator: 0.156
    context, target = kept_sizes(SETTINGS['per_gpu'])
    assert len(context) == len(official)
    standard_error = np.sqrt(official.var(ddof=1) / len(official) + context.var(ddof=1) / len(context))
    assert abs(context.mean() - official.mean()) < 3 * standard_error, (context.mean(), official.mean())
    assert total_variation(context, official) < 1.5 * noise_floor
    assert np.array_equal(np.sort(target), np.sort(OFFICIAL['target'][0].numpy()))  # sizes from the step's seed
    # the global draw (one group of 2048) is not the official distribution: 58 patches against 69
    context_global, _ = kept_sizes(None)
    assert context_global.mean() < official.mean() - 8
    assert total_variation(np.repeat(context_global, SETTINGS['gpus']), official) > 3 * noise_floor
