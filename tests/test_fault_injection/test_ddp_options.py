# Copyright (c) mmjepa contributors. All rights reserved.
"""The ImageNet recipes' DDP options (``gradient_as_bucket_view``, ``static_graph``: configs/_base_/imagenet_runtime.py)
keep two gloo processes equal to one process with the global batch (the harness of test_dist_equivalence.py)."""
import os.path as osp

import pytest
from test_dist_equivalence import ALGORITHMS, ROOT, assert_equals_one_process, build, mean_over_ranks, \
    run_on_two_ranks, train

IMAGENET_RUNTIME = osp.join(ROOT, 'configs', '_base_', 'imagenet_runtime.py')


def wrapper_options() -> dict:
    from mmengine.config import Config
    cfg = Config.fromfile(IMAGENET_RUNTIME).model_wrapper_cfg
    return {key: value for key, value in cfg.items() if key != 'type'}


def _ddp_options_run(algorithm: str, rank: int) -> dict:
    from mmengine.model import MMDistributedDataParallel
    model, optim = build(algorithm)
    ddp = MMDistributedDataParallel(module=model, **wrapper_options())
    losses = train(ddp, optim, rank, 2)
    return dict(losses=mean_over_ranks(losses), state=model.state_dict(), due=model.target_update_due)


@pytest.fixture(scope='module')
def two_rank_results(tmp_path_factory):
    return run_on_two_ranks(tmp_path_factory, _ddp_options_run)


def test_the_recipes_ask_for_both_options():
    assert wrapper_options() == dict(gradient_as_bucket_view=True, static_graph=True)


@pytest.mark.parametrize('algorithm', ALGORITHMS)
def test_two_gloo_ranks_with_the_options_equal_one_process(algorithm, two_rank_results):
    assert_equals_one_process(algorithm, two_rank_results[algorithm])
