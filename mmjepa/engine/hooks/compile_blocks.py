# Copyright (c) mmjepa contributors. All rights reserved.
"""Compile the model's transformer blocks before training (``tools/train.py --compile`` or the config's
``compile`` key)."""
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS

from ..compile import compile_blocks


@HOOKS.register_module()
class CompileBlocksHook(Hook):
    """``torch.compile`` every transformer block of the model, in place, once, before the first training
    iteration (after the model is wrapped and a checkpoint is loaded or resumed): see
    :func:`mmjepa.engine.compile.compile_blocks` for why per block.

    ``tools/train.py`` adds this hook when the config sets ``compile=True`` or ``compile=dict(...)`` (the
    ``torch.compile`` arguments, plus ``block_types``) or when ``--compile`` is given, and removes the
    ``compile`` key so that mmengine does not compile the whole ``train_step`` itself (which fails at the
    optimizer step: docs/performance.md).
    """

    priority = 'NORMAL'

    def __init__(self, **compile_kwargs):
        self.compile_kwargs = compile_kwargs
        self._done = False

    def before_train(self, runner) -> None:
        if self._done:
            return
        count = compile_blocks(runner.model, **self.compile_kwargs)
        self._done = True
        print_log(f'torch.compile: {count} transformer blocks compiled one by one '
                  f'({self.compile_kwargs or "default arguments"})', logger='current')
