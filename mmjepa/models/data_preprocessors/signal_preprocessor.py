# Copyright (c) mmjepa contributors. All rights reserved.
"""Batching of 1-D multi-lead signals (`ECG-JEPA <https://arxiv.org/abs/2410.13867>`_): no image conversion."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor
from mmpretrain.registry import MODELS


@MODELS.register_module()
class SignalDataPreprocessor(BaseDataPreprocessor):
    """Stack ``inputs`` ([leads, T], or [crops, leads, T] from ``StridedSignalCrops``) into a float batch
    ``[B, leads, T]`` (``[B, crops, leads, T]``) on the model's device; data samples move along unchanged.

    No normalisation, channel flip or padding: signals are normalised by ``NormalizeSignal`` in the pipeline
    (per-database statistics, as the official code). Fits mmpretrain's ``BaseSelfSupervisor`` algorithms and
    its ``ImageClassifier`` (which accepts any ``data_preprocessor`` type).

    Args:
        num_leads (int, optional): Leads every input must have (12); None: any. Defaults to 12.
        num_classes (int, optional): Accepted for the classification configs' ``data_preprocessor =
            dict(num_classes=...)`` convention; unused.
        batch_augments (dict, optional): What ``ImageClassifier`` passes from its ``train_cfg``; image batch
            augments (Mixup, CutMix) do not apply to signals, so only None is accepted.
        non_blocking (bool): Non-blocking device copies. Defaults to False.
    """

    def __init__(self, num_leads: Optional[int] = 12, num_classes: Optional[int] = None,
                 batch_augments: Optional[dict] = None, non_blocking: bool = False):
        super().__init__(non_blocking=non_blocking)
        if batch_augments:
            raise ValueError(f'SignalDataPreprocessor: batch augments {batch_augments!r} (the classifier\'s train_cfg) '
                             'are image augments; remove train_cfg.augments for signal models')
        self.num_leads, self.num_classes = num_leads, num_classes

    def _stack(self, inputs) -> torch.Tensor:
        if isinstance(inputs, torch.Tensor):
            batch = inputs
        elif isinstance(inputs, Sequence) and inputs and all(isinstance(x, torch.Tensor) for x in inputs):
            shapes = {tuple(x.shape) for x in inputs}
            if len(shapes) != 1:
                raise ValueError(f'SignalDataPreprocessor: signals of one batch differ in shape {sorted(shapes)}; '
                                 'crop them to one length in the pipeline (RandomSignalCrop / CenterSignalCrop)')
            batch = torch.stack(list(inputs))
        else:
            raise TypeError('SignalDataPreprocessor: inputs must be a tensor or a list of tensors (PackSignalInputs '
                            f'output), got {type(inputs).__name__}')
        if batch.dim() not in (3, 4):
            raise ValueError(f'SignalDataPreprocessor: expected [B, leads, T] or [B, crops, leads, T], got '
                             f'{tuple(batch.shape)}')
        if self.num_leads is not None and batch.shape[-2] != self.num_leads:
            raise ValueError(f'SignalDataPreprocessor: expected {self.num_leads} leads, got a batch of shape '
                             f'{tuple(batch.shape)} (leads are dimension -2)')
        return batch.float()

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        return dict(inputs=self._stack(data['inputs']), data_samples=data.get('data_samples'))
