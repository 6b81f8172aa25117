# Copyright (c) mmjepa contributors. All rights reserved.
"""Save the global random states in checkpoints and restore them on resume."""
from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS

from ...utils.rng import get_rng_state, set_rng_state


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Keep the global RNG states in the checkpoint (``meta['rng_state']``) and restore them on resume.

    Model randomness (dropout, drop path) draws from these generators; without them a resumed run would
    continue from the run's initial seed instead of where it stopped. Data augmentation is seeded per sample
    (:class:`SeededDataset`) and masks per step (:class:`IJEPA`), so they do not depend on this hook.
    Checkpoints are written by rank 0 alone, so only its states are kept: a resumed multi-process run restores
    none (JEPA pretraining draws no model randomness; with drop path the ranks are reseeded) and says so.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})['rng_state'] = get_rng_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('meta', {}).get('rng_state')
        if state is None or not runner._resume:
            return
        if get_world_size() > 1:
            print_log('RNGStateHook: global RNG states are restored in single-process runs only; '
                      'dropout / drop path draw from reseeded generators', logger='current', level=30)
            return
        set_rng_state(state)
