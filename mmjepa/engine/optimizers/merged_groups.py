# Copyright (c) mmjepa contributors. All rights reserved.
"""mmengine's ``paramwise_cfg`` rules with one parameter group per distinct set of hyper-parameters.

``DefaultOptimWrapperConstructor`` makes one group per trainable tensor as soon as ``paramwise_cfg`` is set: 539
groups for I-JEPA ViT-H/14 with its depth-12 predictor. A fused or foreach optimizer runs one multi-tensor kernel
per group, so its host time grows with the number of groups (docs/performance.md: 20.4 ms against 4.6 ms per
AdamW step with 2 groups). The official I-JEPA code has 4 groups (encoder and predictor, each with and without
weight decay). This constructor gives every tensor exactly the hyper-parameters the default constructor gives
it, then merges the tensors whose hyper-parameters are equal: 2 groups for the I-JEPA recipes (weight decay on
the matrices and the mask token, none on biases and norms). The updates are the same, bit for bit: AdamW and its
schedulers act per tensor with the group's values (tested).

A checkpoint written with per-tensor groups holds an optimizer state of that many groups; to resume one, build
its optimizer as it was (``optim_wrapper.constructor='FrozenSummaryOptimWrapperConstructor'``).
"""
from typing import Dict, List, Tuple

from mmengine.logging import print_log
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn

from .frozen_summary import FrozenSummaryOptimWrapperConstructor


def merge_param_groups(groups: List[dict]) -> List[dict]:
    """``groups`` with the groups of equal hyper-parameters (every key but ``params``) joined, in the order of
    their first appearance; the tensors keep their order within a group."""
    merged: Dict[Tuple, dict] = {}
    for group in groups:
        key = tuple(sorted((k, repr(v)) for k, v in group.items() if k != 'params'))
        if key not in merged:
            merged[key] = dict({k: v for k, v in group.items() if k != 'params'}, params=[])
        merged[key]['params'].extend(group['params'])
    return list(merged.values())


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MergedGroupsOptimWrapperConstructor(FrozenSummaryOptimWrapperConstructor):
    """:class:`FrozenSummaryOptimWrapperConstructor` (mmengine's default rules, one log line for the frozen
    tensors) whose per-tensor groups are merged by hyper-parameters (:func:`merge_param_groups`)."""

    def add_params(self, params: List[dict], module: nn.Module, prefix: str = '', is_dcn_module=None) -> None:
        if prefix:  # a recursive call of the default constructor: collect, merge at the top
            super().add_params(params, module, prefix=prefix, is_dcn_module=is_dcn_module)
            return
        groups: List[dict] = []
        super().add_params(groups, module, prefix=prefix, is_dcn_module=is_dcn_module)
        merged = merge_param_groups(groups)
        trained = sum(p.requires_grad for g in merged for p in g['params'])
        print_log(f'{len(merged)} parameter groups for {trained} trained tensors (merged by hyper-parameters)',
                  logger='current')
        params.extend(merged)
