# Copyright (c) mmjepa contributors. All rights reserved.
"""Record, in a transfer run, the provenance of the pretraining checkpoint its backbone was initialised from."""
import json
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ...utils.provenance import PROVENANCE_FILE, ROW_FIELDS, TRANSFER_KEY, read_provenance, resolve_benchmark_meta


@HOOKS.register_module()
class TransferProvenanceHook(Hook):
    """Read the provenance of ``model.backbone.init_cfg.checkpoint`` (``Pretrained`` init) when training starts,
    hash the file (SHA-256, 8 hex digits), write the record to ``<work_dir>/pretrain_provenance.json`` and into
    the meta of every checkpoint of the transfer (``meta['pretrain_provenance']``, which ``tools/test.py``
    reports). Logs the leaderboard row it resolves to, and warns when it will be ``'unknown'``. Rank 0 only,
    the rank that saves checkpoints. See docs/leaderboard.md.
    """

    priority = 'VERY_LOW'

    def __init__(self):
        self.record: Optional[dict] = None

    def before_train(self, runner) -> None:
        if not is_main_process():  # checkpoints are saved by rank 0 only: the others need no record
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        init_cfg = getattr(getattr(model, 'backbone', None), 'init_cfg', None)
        checkpoint = init_cfg.get('checkpoint') if isinstance(init_cfg, dict) and \
            init_cfg.get('type') == 'Pretrained' else None
        self.record = read_provenance(checkpoint)
        row = resolve_benchmark_meta(runner.cfg.get('benchmark_meta'), self.record,
                                     where=f'transfer of {checkpoint or "no pretrained checkpoint"}')
        shown = ', '.join(f'{k}={row[k]}' for k in (*ROW_FIELDS, 'checkpoint'))
        print_log(f'Pretrained weights: {self.record or "none"}; leaderboard row: {shown}', logger='current')
        with open(osp.join(runner.work_dir, PROVENANCE_FILE), 'w') as f:
            json.dump(self.record, f, indent=2)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.record is not None:
            checkpoint.setdefault('meta', {})[TRANSFER_KEY] = dict(self.record)
