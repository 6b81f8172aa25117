"""FrozenSummaryOptimWrapperConstructor: the default constructor's groups, one log line for frozen tensors."""
import logging

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import mmjepa  # noqa: F401

DEMO = 'configs/demo/dmtjepa_vit-tiny-p8_1xb64-16e_demo-64px.py'


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _build(model, wrapper_cfg):
    logger = MMLogger.get_current_instance()
    records = _Records()
    logger.addHandler(records)
    try:
        return build_optim_wrapper(model, wrapper_cfg), records.messages
    finally:
        logger.removeHandler(records)


def test_same_groups_one_summary_line():
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(DEMO)
    # the pretraining configs merge these groups (MergedGroupsOptimWrapperConstructor, a subclass)
    assert cfg.optim_wrapper.constructor == 'MergedGroupsOptimWrapperConstructor'
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    ours, our_log = _build(model, dict(cfg.optim_wrapper, constructor='FrozenSummaryOptimWrapperConstructor'))
    default_cfg = dict(cfg.optim_wrapper, constructor='DefaultOptimWrapperConstructor')
    default, default_log = _build(model, default_cfg)

    ours_groups, default_groups = ours.optimizer.param_groups, default.optimizer.param_groups
    assert len(ours_groups) == len(default_groups)
    for a, b in zip(ours_groups, default_groups):
        assert [id(p) for p in a['params']] == [id(p) for p in b['params']]
        assert {k: v for k, v in a.items() if k != 'params'} == {k: v for k, v in b.items() if k != 'params'}

    frozen = [p for p in model.parameters() if not p.requires_grad]
    assert sum('requires_grad=False' in m for m in default_log) == len(frozen) > 100  # EMA target, DMT heads
    assert not any('requires_grad=False' in m for m in our_log)
    (summary, ) = [m for m in our_log if 'frozen parameter tensors' in m]
    assert summary.startswith(f'{len(frozen)} frozen parameter tensors')
    # the filter is gone afterwards: other warnings still reach the log
    assert not any(type(f).__name__ == '_FrozenCounter' for f in MMLogger.get_current_instance().filters)
