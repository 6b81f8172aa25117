# Copyright (c) mmjepa contributors. All rights reserved.
"""ECG-JEPA: I-JEPA's step on 12-lead ECG tokens of 50 ms with 1-D contiguous masks."""
from mmpretrain.registry import MODELS

from .base import BaseJEPA


@MODELS.register_module()
class ECGJEPA(BaseJEPA):
    """`ECG-JEPA <https://arxiv.org/abs/2410.13867>`_ (Weimann & Conrad, official code ``kweimann/ECG-JEPA``):
    a 10 s, 500 Hz, 12-lead crop becomes 200 tokens of 50 ms (``SignalPatchEmbed``: ``Conv1d(12 -> D, k =
    stride = 25)``) in a :class:`TokenTransformer` with one register token and a fixed 1-D interleaved sin/cos
    table, bias-free blocks (``configs/_base_/models/ecgjepa_vit-s.py``); 1-D masks keep 15-25 % of the tokens
    and hide runs of at least 10 (:class:`ContiguousRunMaskSampler`); the EMA target encoder's output (after its
    final LayerNorm, no further normalisation) is gathered at the masked tokens; the predictor fills them in;
    L1. EMA momentum 0.998 -> 0.9995, the update made at the start of each forward (``update_at='next_forward'``,
    as the official ``JEPA.forward``).

    The step is :class:`BaseJEPA`'s template with these defaults; nothing is overridden.

    Args:
        backbone (dict): :class:`TokenTransformer` with a ``SignalPatchEmbed`` tokenizer.
        predictor (dict): :class:`JEPAPredictor` on the 1-D layout.
        mask_sampler (dict): Defaults to :class:`ContiguousRunMaskSampler`.
        target_generator (dict): Defaults to the EMA encoder, momentum (0.998, 0.9995), ``normalize=False``,
            ``update_at='next_forward'``.
        loss (dict): Defaults to L1.
        **kwargs: ``mask_seed``, ``mask_draw``, ``data_preprocessor``, ``init_cfg`` of :class:`BaseJEPA`.
    """
    algorithm_name = 'ECG-JEPA'

    def __init__(self,
                 backbone: dict,
                 predictor: dict,
                 mask_sampler: dict = dict(type='ContiguousRunMaskSampler'),
                 target_generator: dict = dict(type='EMATargetGenerator', momentum=(0.998, 0.9995),
                                               normalize=False, update_at='next_forward'),
                 loss: dict = dict(type='JEPAPredictionLoss', criterion='l1'),
                 **kwargs):
        super().__init__(backbone=backbone, predictor=predictor, mask_sampler=mask_sampler,
                         target_generator=target_generator, loss=loss, **kwargs)
