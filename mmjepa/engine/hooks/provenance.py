# Copyright (c) mmjepa contributors. All rights reserved.
"""Write what made the weights (algorithm, arch, epochs, data, config) into every pretraining checkpoint."""
import os.path as osp
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ...utils.provenance import META_KEY, algorithm_name, arch_name, dataset_name, plain_number


@HOOKS.register_module()
class ProvenanceHook(Hook):
    """Put ``meta['provenance']`` (:mod:`mmjepa.utils.provenance`) into each checkpoint the run saves, epoch
    and iteration checkpoints alike, so that a transfer of it is tabled under the right algorithm.

    The record: ``algorithm`` (the model class's ``algorithm_name``, e.g. ``'I-JEPA'``), ``arch`` of the
    backbone (``'ViT-T/8'``), ``epochs`` trained when saved (iterations / iterations per epoch: fractional for
    an iteration checkpoint mid-epoch), ``max_epochs`` planned by the run, ``data`` (``data``, else the name of
    the train dataset: ``'ImageNet-1k'`` for mmpretrain's ImageNet, else the first folder of its ``data_root``
    under ``data/``) and ``config`` (the config file name).

    Args:
        data (str, optional): Name of the pretraining data, when the dataset config does not say it well.
    """

    priority = 'VERY_LOW'

    def __init__(self, data: Optional[str] = None):
        self.data = data

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.setdefault('meta', {})
        meta[META_KEY] = self.provenance(runner, meta.get('iter', runner.iter))

    def provenance(self, runner, iters: int) -> dict:
        """The record for a checkpoint saved after ``iters`` training iterations."""
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        backbone = model.backbone
        loop = runner.train_loop
        per_epoch = len(loop.dataloader)
        filename = runner.cfg.filename
        return dict(
            algorithm=algorithm_name(model),
            arch=arch_name(backbone.embed_dims, backbone.num_layers, backbone.patch_embed.projection.kernel_size[0]),
            epochs=plain_number(iters / per_epoch),
            max_epochs=plain_number(loop.max_iters / per_epoch),
            data=self.data or dataset_name(runner.cfg.train_dataloader.get('dataset')),
            config=osp.basename(filename) if filename else None)
