# Copyright (c) mmjepa contributors. All rights reserved.
"""Multi-crop evaluation of `ECG-JEPA <https://arxiv.org/abs/2410.13867>`_'s PTB-XL classifiers."""
from typing import List, Optional

import torch
from mmpretrain.models import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


@MODELS.register_module()
class CropAverageClassifier(ImageClassifier):
    """:class:`mmpretrain.models.ImageClassifier` that scores a ``[B, K, ...]`` batch of ``K`` crops per sample
    (``StridedSignalCrops``) by the mean of the crops' logits, as the official evaluation does
    (``kweimann/ECG-JEPA``, ``finetune.py``: logits of every 2.5 s crop at 1.25 s, averaged, then sigmoid).
    A ``[B, ...]`` batch of single crops (training, ``CenterSignalCrop``) is handled as by ImageClassifier.

    Args:
        sample_dims (int): Dimensions of one crop (2 for ``[leads, T]`` signals). Defaults to 2.
        **kwargs: As :class:`mmpretrain.models.ImageClassifier`.
    """

    def __init__(self, *args, sample_dims: int = 2, **kwargs):
        super().__init__(*args, **kwargs)
        self.sample_dims = sample_dims

    def _is_multi_crop(self, inputs: torch.Tensor) -> bool:
        if inputs.dim() not in (self.sample_dims + 1, self.sample_dims + 2):
            raise ValueError(f'CropAverageClassifier: expected [B, {self.sample_dims} dims] or '
                             f'[B, crops, {self.sample_dims} dims] inputs, got {tuple(inputs.shape)}')
        return inputs.dim() == self.sample_dims + 2

    def crop_averaged_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """[B, num_classes] logits: the head's logits of each crop, averaged over the crops."""
        if not self._is_multi_crop(inputs):
            return self.head(self.extract_feat(inputs))
        batch, crops = inputs.shape[:2]
        logits = self.head(self.extract_feat(inputs.flatten(0, 1)))
        return logits.reshape(batch, crops, -1).mean(dim=1)

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List[DataSample]] = None, mode: str = 'tensor'):
        if mode == 'tensor' and self._is_multi_crop(inputs):
            return self.crop_averaged_logits(inputs)
        return super().forward(inputs, data_samples, mode)

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample]) -> dict:
        if self._is_multi_crop(inputs):
            raise ValueError('CropAverageClassifier: training takes one crop per sample (RandomSignalCrop), got '
                             f'inputs of shape {tuple(inputs.shape)}')
        return super().loss(inputs, data_samples)

    def predict(self, inputs: torch.Tensor, data_samples: Optional[List[DataSample]] = None, **kwargs):
        if not self._is_multi_crop(inputs):
            return super().predict(inputs, data_samples, **kwargs)
        return self.head._get_predictions(self.crop_averaged_logits(inputs), data_samples)
