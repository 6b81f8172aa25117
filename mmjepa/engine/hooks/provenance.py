# Copyright (c) mmjepa contributors. All rights reserved.
"""Write what made the weights (algorithm, arch, epochs, data, config) into every pretraining checkpoint."""
import os.path as osp
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from ...utils.provenance import META_KEY, algorithm_name, arch_name, dataset_name, plain_number


def backbone_arch(backbone) -> str:
    """``arch_name`` of a ViT backbone (JEPAViT, mmpretrain's VisionTransformer; a TokenTransformer by its
    tokenizer's ``patch_size``, e.g. ECG-JEPA's ``'ViT-D384xL8/25'``; over a table's columns, T-JEPA's
    ``TabularTokenizer``, ``'FTT-D64xL16'``: FT-Transformer tokens, width x depth); the class name of another."""
    tokenizer = getattr(backbone, 'tokenizer', None)
    if hasattr(tokenizer, 'cardinalities') and hasattr(backbone, 'embed_dims') and hasattr(backbone, 'num_layers'):
        return f'FTT-D{backbone.embed_dims}xL{backbone.num_layers}'
    projection = getattr(getattr(backbone, 'patch_embed', None), 'projection', None)
    patch_size = projection.kernel_size[0] if projection is not None else \
        getattr(getattr(backbone, 'tokenizer', None), 'patch_size', None)
    if not hasattr(backbone, 'embed_dims') or not hasattr(backbone, 'num_layers') or patch_size is None:
        return type(backbone).__name__
    return arch_name(backbone.embed_dims, backbone.num_layers, patch_size)


@HOOKS.register_module()
class ProvenanceHook(Hook):
    """Put ``meta['provenance']`` (:mod:`mmjepa.utils.provenance`) into each checkpoint the run saves, epoch
    and iteration checkpoints alike, so that a transfer of it is tabled under the right algorithm.

    The record: ``algorithm`` (the model class's ``algorithm_name``, e.g. ``'I-JEPA'``), ``arch`` of the
    backbone (``'ViT-T/8'``), ``epochs`` trained when saved (iterations / iterations per epoch: fractional for
    an iteration checkpoint mid-epoch), ``max_epochs`` planned by the run, ``data`` (``data``, else the name of
    the train dataset: :func:`mmjepa.utils.provenance.dataset_name`) and ``config`` (the config file name).
    See docs/leaderboard.md.

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
        loop = runner.train_loop
        per_epoch = len(loop.dataloader)
        filename = runner.cfg.filename
        return dict(
            algorithm=algorithm_name(model),
            arch=backbone_arch(model.backbone),
            epochs=plain_number(iters / per_epoch),
            max_epochs=plain_number(loop.max_iters / per_epoch),
            data=self.data or dataset_name(runner.cfg.train_dataloader.get('dataset')),
            config=osp.basename(filename) if filename else None)
