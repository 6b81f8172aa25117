# Copyright (c) mmjepa contributors. All rights reserved.
"""Record each mode's projection during SGD, in gradient-flow time ``t = sum of the step sizes``."""
import json
import os.path as osp
from typing import Optional

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class ModeProjectionHook(Hook):
    """Every ``interval`` iterations, append ``model.mode_projections`` and ``model.mode_responses`` to
    ``work_dir/filename`` (JSON written at the end of training, with the data's ``lambdas``/``rhos``): ``iters``,
    ``times``, ``projections`` and ``responses`` ([T, M]), the last loss and the model's depth/objective."""

    priority = 'LOW'

    def __init__(self, interval: int = 10, filename: str = 'mode_projections.json'):
        if interval < 1:
            raise ValueError(f'interval must be positive, got {interval}')
        self.interval, self.filename = interval, filename
        self.time = 0.0
        self.record: Optional[dict] = None

    def _model(self, runner):
        model = runner.model
        return model.module if hasattr(model, 'module') else model

    def _append(self, runner, it: int) -> None:
        model = self._model(runner)
        self.record['iters'].append(it)
        self.record['times'].append(self.time)
        self.record['projections'].append([float(p) for p in model.mode_projections(self.amplitudes)])
        self.record['responses'].append([float(p) for p in model.mode_responses(self.amplitudes)])

    def before_train(self, runner) -> None:
        meta = runner.train_dataloader.dataset.metainfo
        model = self._model(runner)
        self.amplitudes = [lam ** 0.5 for lam in meta['lambdas']]
        self.record = dict(lambdas=meta['lambdas'], rhos=meta['rhos'], process=meta['process'],
                           depth=model.encoder.depth, objective=model.objective, iters=[], times=[],
                           projections=[], responses=[], final_loss=None)
        self.time = 0.0
        self._append(runner, 0)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self.time += float(runner.optim_wrapper.get_lr()['lr'][0])
        if outputs is not None and 'loss' in outputs:
            loss = outputs['loss']
            self.record['final_loss'] = float(loss.detach() if hasattr(loss, 'detach') else loss)
        if (runner.iter + 1) % self.interval == 0:
            self._append(runner, runner.iter + 1)

    def after_train(self, runner) -> None:
        with open(osp.join(runner.work_dir, self.filename), 'w') as f:
            json.dump(self.record, f)
