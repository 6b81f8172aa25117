# Copyright (c) mmjepa contributors. All rights reserved.
"""Linear classification of an encoder's token sequence, with the loss of ECG-JEPA's PTB-XL evaluation
(`Weimann & Conrad, arXiv 2410.13867 <https://arxiv.org/abs/2410.13867>`_)."""
from typing import List, Optional, Tuple

import torch
from mmpretrain.models.heads import MultiLabelClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample, label_to_onehot
from torch import nn


@MODELS.register_module()
class TokenClsHead(MultiLabelClsHead):
    """``Linear(in_channels, num_classes)`` on one vector pooled from the backbone's tokens [B, N, in_channels]
    (the last item of its output tuple): the first token (``pool='first'``, the register token of ECG-JEPA's
    fine-tuning, ``finetune.yaml``: ``use_register``) or their mean (``pool='mean'``).

    Loss: by default ``class_mean=True`` averages the binary cross-entropy over batch *and* classes, as the
    official ``F.binary_cross_entropy_with_logits`` does (mmpretrain's :class:`MultiLabelClsHead` divides the
    sum by the batch size only: ``num_classes`` times larger). ``multi_label=False`` (the single-label
    ST-MEM task) takes class indices, a softmax cross-entropy (pass ``loss=dict(type='CrossEntropyLoss')``)
    averaged over the batch, and predicts the arg-max.

    Args:
        num_classes (int): Classes.
        in_channels (int): Token width of the backbone.
        pool (str): ``'first'`` or ``'mean'``. Defaults to ``'first'``.
        loss (dict): Loss config. Defaults to ``dict(type='CrossEntropyLoss', use_sigmoid=True)``.
        multi_label (bool): Multi-hot targets, sigmoid scores. Defaults to True.
        class_mean (bool): Multi-label loss averaged over classes too (official). Defaults to True.
        bias (bool): Bias in the classifier. Defaults to False (official).
        thr, topk: Multi-label prediction rule of :class:`MultiLabelClsHead` (threshold 0.5 by default).
        init_cfg (dict, optional): mmengine init config; None keeps the official init (truncated normal,
            std 0.02, zero bias).
    """
    POOLS = ('first', 'mean')

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 pool: str = 'first',
                 loss: dict = dict(type='CrossEntropyLoss', use_sigmoid=True),
                 multi_label: bool = True,
                 class_mean: bool = True,
                 bias: bool = False,
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(loss=loss, thr=thr, topk=topk, init_cfg=init_cfg)
        if num_classes < 1:
            raise ValueError(f'model.head.num_classes={num_classes} must be at least 1')
        if pool not in self.POOLS:
            raise ValueError(f'model.head.pool={pool!r} must be one of {self.POOLS}')
        self.num_classes, self.in_channels, self.pool = num_classes, in_channels, pool
        self.multi_label, self.class_mean = multi_label, class_mean
        self.fc = nn.Linear(in_channels, num_classes, bias=bias)
        self.official_init()

    def official_init(self) -> None:
        """Truncated normal (std 0.02) for every Linear, unit / zero LayerNorms, zero biases."""
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def tokens_of(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """The last backbone output, checked to be tokens [B, N, in_channels]."""
        tokens = feats[-1]
        if tokens.dim() != 3 or tokens.shape[-1] != self.in_channels:
            raise ValueError(f'{type(self).__name__} expects the backbone to output tokens [B, N, '
                             f'{self.in_channels}] (model.head.in_channels), got {tuple(tokens.shape)}; set the '
                             "backbone's out_type to 'raw' (not a pooled or cls output)")
        return tokens

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """The pooled vector [B, in_channels]."""
        tokens = self.tokens_of(feats)
        return tokens[:, 0] if self.pool == 'first' else tokens.mean(dim=1)

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Logits [B, num_classes]."""
        return self.fc(self.pre_logits(feats))

    def _get_loss(self, cls_score: torch.Tensor, data_samples: List[DataSample], **kwargs) -> dict:
        if 'gt_score' in data_samples[0]:
            target = torch.stack([s.gt_score.float() for s in data_samples])
        elif self.multi_label:
            target = torch.stack([label_to_onehot(s.gt_label, self.num_classes) for s in data_samples]).float()
        else:
            target = torch.cat([s.gt_label for s in data_samples])
        avg_factor = cls_score.shape[0]
        if self.multi_label and self.class_mean:
            avg_factor *= cls_score.shape[1]
        return dict(loss=self.loss_module(cls_score, target, avg_factor=avg_factor, **kwargs))

    def _get_predictions(self, cls_score: torch.Tensor, data_samples: Optional[List[DataSample]]):
        if self.multi_label:
            return super()._get_predictions(cls_score, data_samples)
        scores = cls_score.softmax(dim=1)
        labels = scores.argmax(dim=1, keepdim=True)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(cls_score.shape[0])]
        for sample, score, label in zip(data_samples, scores, labels):
            sample.set_pred_score(score).set_pred_label(label)
        return data_samples
