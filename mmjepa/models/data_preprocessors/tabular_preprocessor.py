# Copyright (c) mmjepa contributors. All rights reserved.
"""Batching of table rows (`T-JEPA <https://arxiv.org/abs/2410.05016>`_)."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor
from mmpretrain.registry import MODELS


@MODELS.register_module()
class TabularDataPreprocessor(BaseDataPreprocessor):
    """Stack ``inputs`` (rows [F] from :class:`mmjepa.datasets.TabularDataset`) into a float batch [B, F] on
    the model's device. Standardisation and category coding are done by the dataset (train-split statistics).

    Args:
        num_features (int, optional): Columns every row must have; None: any. Defaults to None.
        num_classes (int, optional): Accepted for the classification configs' convention; unused.
    """

    def __init__(self, num_features: Optional[int] = None, num_classes: Optional[int] = None,
                 non_blocking: bool = False):
        super().__init__(non_blocking=non_blocking)
        self.num_features, self.num_classes = num_features, num_classes

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs = data['inputs']
        if isinstance(inputs, Sequence) and not isinstance(inputs, torch.Tensor):
            inputs = torch.stack(list(inputs))
        if inputs.dim() != 2:
            raise ValueError(f'TabularDataPreprocessor: expected rows [B, F], got {tuple(inputs.shape)}')
        if self.num_features is not None and inputs.shape[1] != self.num_features:
            raise ValueError(f'TabularDataPreprocessor: rows have {inputs.shape[1]} columns, '
                             f'model.data_preprocessor.num_features={self.num_features}')
        return dict(inputs=inputs.float(), data_samples=data.get('data_samples'))
