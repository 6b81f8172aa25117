# Copyright (c) mmjepa contributors. All rights reserved.
"""I-JEPA: the template step of :class:`BaseJEPA` with its defaults."""
from mmpretrain.registry import MODELS

from .base import BaseJEPA


@MODELS.register_module()
class IJEPA(BaseJEPA):
    """`I-JEPA <https://arxiv.org/abs/2301.08243>`_: predict, from one context block, the EMA target
    encoder's representations of several target blocks of the same image.

    One training step: draw the batch's multi-block masks; compute the targets on the full image without
    gradients (layer-normalised EMA encoder tokens); encode only the context patches; predict every target
    block at once; regress with smooth L1 (the official code's; the paper writes L2). ``tensor`` mode returns
    the target encoder's output, the encoder I-JEPA evaluates. The EMA momentum schedule is the target
    generator's (``target_generator=dict(type='EMATargetGenerator', momentum=(0.996, 1.0))``).

    Args:
        backbone (dict): Context encoder (:class:`JEPAViT`).
        predictor (dict): Predictor; ``embed_dims``, ``num_heads`` and ``layout`` default to the backbone's.
        mask_sampler (dict): Defaults to :class:`MultiBlockMaskSampler` on the backbone's patch grid.
        target_generator (dict): Defaults to :class:`EMATargetGenerator`.
        loss (dict): Defaults to smooth L1.
        **kwargs: ``mask_seed``, ``mask_draw``, ``data_preprocessor``, ``init_cfg`` of :class:`BaseJEPA`.
    """
    algorithm_name = 'I-JEPA'

    def __init__(self,
                 backbone: dict,
                 predictor: dict,
                 mask_sampler: dict = dict(type='MultiBlockMaskSampler'),
                 target_generator: dict = dict(type='EMATargetGenerator'),
                 loss: dict = dict(type='JEPAPredictionLoss', criterion='smooth_l1'),
                 **kwargs):
        super().__init__(backbone=backbone, predictor=predictor, mask_sampler=mask_sampler,
                         target_generator=target_generator, loss=loss, **kwargs)
