# Copyright (c) mmjepa contributors. All rights reserved.
"""FSDP for the JEPA pretraining models: the auto-wrap policy and the EMA update outside the forward.

Two things keep a JEPA model from running under FSDP as it is (measured with 2 gloo processes, see
docs/performance.md):

- the encoders are entered through ``forward_tokens`` and the predictor's last block and DMT-JEPA's head
  blocks through their weights, not through ``forward``, so FSDP would never gather them if they were units.
  :func:`jepa_fsdp_wrap_policy` makes exactly the blocks that are called through ``forward`` units;
- the EMA update must not run inside the root unit's forward, where FSDP holds the parameters as views of an
  all-gathered buffer (the in-place update fails, and the reshard would discard it).
  :func:`fsdp_update_target` makes it outside, after the optimizer step (:class:`TargetEMAHook` calls it), on
  the sharded parameters: every block unit of the target encoder is laid out like the online one, so their
  local shards line up; the root unit's own parameters (embeddings, norms, heads) are gathered for the update
  and written back.
"""
from contextlib import contextmanager

from mmengine.registry import FUNCTIONS
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
from torch import nn


@FUNCTIONS.register_module()
def jepa_fsdp_wrap_policy(module: nn.Module, recurse: bool, nonwrapped_numel: int) -> bool:
    """FSDP auto-wrap policy: every ``TransformerEncoderLayer`` is a unit, except those marked
    ``fsdp_unit = False`` (the predictor's last block, which is run from its weights); everything else stays
    in the root unit. Config: ``model_wrapper=dict(auto_wrap_policy='jepa_fsdp_wrap_policy',
    use_orig_params=True)``."""
    if recurse:
        return True
    return isinstance(module, TransformerEncoderLayer) and getattr(module, 'fsdp_unit', True)


def is_fsdp(model: nn.Module) -> bool:
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
    return isinstance(model, FSDP)


@contextmanager
def root_unit_gathered(model: nn.Module, writeback: bool = False):
    """Outside the forward of a root FSDP ``model``: gather the root unit's own parameters for the block (the
    block units gather theirs when called); ``writeback`` keeps in-place changes. A no-op for other models."""
    if not is_fsdp(model):
        yield
        return
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
    with FSDP.summon_full_params(model, recurse=False, writeback=writeback):
        yield


def fsdp_update_target(fsdp_model) -> bool:
    """The due EMA update of the JEPA model wrapped by the root ``fsdp_model``, outside its forward: the root
    unit's parameters are gathered (and written back); the block units' shards are updated where they are.
    Returns whether an update was made."""
    fsdp_model.module.ema_in_forward = False
    if not fsdp_model.module.target_update_due:  # nothing due (on every rank alike): no gather
        return False
    with root_unit_gathered(fsdp_model, writeback=True):
        return fsdp_model.module.update_target()

