# Copyright (c) mmjepa contributors. All rights reserved.
"""T-JEPA: I-JEPA's step on the feature tokens of table rows with feature-subset masks."""
from mmpretrain.registry import MODELS

from .base import BaseJEPA


@MODELS.register_module()
class TJEPA(BaseJEPA):
    """`T-JEPA <https://arxiv.org/abs/2410.05016>`_ (Thimonier et al., ICLR 2025, official code
    ``jose-melo/t-jepa``): each column of a row is a token (:class:`TabularTokenizer`, FT-Transformer style,
    official sin-cos table) in a :class:`TokenTransformer` of the official post-norm ReLU blocks
    (``nn.TransformerEncoderLayer``) with a regularisation (cls) token and the official LN-Linear-LN output head
    (``out_proj=True``); per row the context is a random subset of the features and each of 4 target sets an
    independent random subset of the others (:class:`FeatureSubsetMaskSampler`); the EMA target
    encoder (0.996 -> 1) encodes the full row, its output (no further normalisation) is gathered per target
    set; the predictor (the official blocks and head too) fills them in; MSE. By default this is the official
    code up to its bugs, each fixed with a flag that reproduces it (configs/tjepa/README.md).

    The step is :class:`BaseJEPA`'s template with these defaults; nothing is overridden. The encoder's register
    token (the official ``[CLS]``) is initialised as the official one (:meth:`init_weights`).

    Args:
        backbone (dict): :class:`TokenTransformer` with a ``TabularTokenizer``.
        predictor (dict): :class:`JEPAPredictor` on the 1-D layout.
        mask_sampler (dict): Defaults to :class:`FeatureSubsetMaskSampler` with jannis' shares.
        target_generator (dict): Defaults to the EMA encoder, momentum (0.996, 1.0), ``normalize=False``.
        loss (dict): Defaults to MSE.
        **kwargs: ``mask_seed``, ``mask_draw``, ``data_preprocessor``, ``init_cfg`` of :class:`BaseJEPA`.
    """
    algorithm_name = 'T-JEPA'

    def __init__(self,
                 backbone: dict,
                 predictor: dict,
                 mask_sampler: dict = dict(type='FeatureSubsetMaskSampler'),
                 target_generator: dict = dict(type='EMATargetGenerator', momentum=(0.996, 1.0), normalize=False),
                 loss: dict = dict(type='JEPAPredictionLoss', criterion='l2'),
                 **kwargs):
        super().__init__(backbone=backbone, predictor=predictor, mask_sampler=mask_sampler,
                         target_generator=target_generator, loss=loss, **kwargs)

    def init_weights(self):
        """:class:`BaseJEPA`'s, then the register tokens (the official ``[CLS]`` tokens outside the layout) get
        the official ``[CLS]`` value: a tokenizer weight row plus its table row (``TabularTokenizer.init_cls_tokens_``),
        unless the backbone loads pretrained weights."""
        super().init_weights()
        backbone = self.backbone
        tokens = getattr(backbone, 'register_tokens', None)
        init_cls = getattr(getattr(backbone, 'tokenizer', None), 'init_cls_tokens_', None)
        pretrained = isinstance(backbone.init_cfg, dict) and backbone.init_cfg.get('type') == 'Pretrained'
        if tokens is not None and init_cls is not None and not pretrained:
            init_cls(tokens)
            self.target_generator.sync(self.online_modules())
