# Copyright (c) mmjepa contributors. All rights reserved.
"""The JEPA context/target encoder: mmpretrain's ViT with no class token, a fixed sin-cos position
embedding and a forward that computes only the kept tokens."""
import math
from typing import Optional, Union

import torch
from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.models.utils import resize_pos_embed
from mmpretrain.registry import MODELS

from ...utils.vit_archs import VIT_ARCHS
from ..utils import apply_init, use_attention
from ..utils.layout import TokenLayout
from ..layers.rel_pos_attention import with_rel_pos
from .token_encoder import TokenEncoder


@MODELS.register_module()
class JEPAViT(TokenEncoder, VisionTransformer):
    """Vision Transformer encoder of `I-JEPA <https://arxiv.org/abs/2301.08243>`_.

    Parameter names are those of mmpretrain's :class:`VisionTransformer` (``patch_embed.projection``,
    ``layers.{i}.attn.qkv``, ``ln1``...), so its weights load there and, through ``mmpretrain.`` types, in
    mmsegmentation and mmdetection. Differences from the parent: no ``[cls]`` token, ``pos_embed`` is the
    fixed 2-D sin-cos table of the official code (not trained), the default init is the official one
    (truncated normal 0.02 for every Linear and Conv2d, LayerNorm 1/0) and :meth:`forward_tokens` runs the
    blocks on a subset of patches only. Attention is mmpretrain's, i.e. ``scaled_dot_product_attention``
    (:func:`mmjepa.models.utils.attention`: matmuls for bf16 on the CPU).

    Args:
        arch (str | dict): ``'tiny'``, ``'small'``, ``'base'``, ``'large'``, ``'huge'``, ``'giant'`` with the
            official I-JEPA dimensions, or a dict with ``embed_dims``, ``num_layers``, ``num_heads`` and
            ``feedforward_channels``.
        out_type (str): Output of :meth:`forward` (the downstream interface). Defaults to ``'featmap'``
            ([B, D, h, w]), which adds no parameter; ``'avg_featmap'`` adds mmpretrain's pooled-feature LN.
        with_cp (bool): Activation checkpointing of every block in :meth:`forward_tokens` when gradients
            flow (less memory, one more block forward in the backward pass). Defaults to False.
        mask_token (bool): A learned mask token for masking inside the encoder (SAR-JEPA). Defaults to False.
        num_register_tokens (int): Register tokens (no position, dropped at the output). Defaults to 0.
        abs_pos (bool): Add the fixed sin-cos position table. Defaults to True (False: SAR-JEPA, which has
            relative position only; ``pos_embed`` is then kept, unused, so the key names stay mmpretrain's).
        rel_pos (dict, optional): Relative position of every block's attention (e.g.
            ``dict(type='ContextualKeyRPE')``, iRPE on keys), through :class:`RelPosMultiheadAttention`.
        init_scheme (str | dict): Named init of the weights (:data:`mmjepa.models.utils.INIT_SCHEMES`; ``'mae'``:
            SAR-JEPA's official). Defaults to 'ijepa'.
        **kwargs: The other arguments of :class:`VisionTransformer`.
    """
    arch_zoo = {alias: dict(settings) for name, settings in VIT_ARCHS.items() for alias in (name[0], name)}
    num_extra_tokens = 0

    def __init__(self,
                 arch: str = 'base',
                 out_type: str = 'featmap',
                 with_cp: bool = False,
                 mask_token: bool = False,
                 num_register_tokens: int = 0,
                 abs_pos: bool = True,
                 rel_pos: Optional[dict] = None,
                 init_scheme: Union[str, dict] = 'ijepa',
                 init_cfg: Optional[dict] = None,
                 **kwargs):
        if kwargs.pop('with_cls_token', False):
            raise ValueError('JEPAViT has no [cls] token: I-JEPA encoders are trained without one')
        img_size, patch_size = kwargs.get('img_size', 224), kwargs.get('patch_size', 16)
        sizes = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)
        if not isinstance(patch_size, int) or any(s % patch_size for s in sizes):
            raise ValueError(f'model.backbone.img_size={img_size} is not divisible by model.backbone.patch_size='
                             f'{patch_size}: the patch grid would drop the remainder; use a multiple of the patch')
        super().__init__(arch=arch, out_type=out_type, with_cls_token=False, init_cfg=init_cfg, **kwargs)
        self.pos_embed.requires_grad_(False)
        self.abs_pos = abs_pos
        self.init_scheme = init_scheme
        self.init_token_options(self.embed_dims, mask_token, num_register_tokens)
        if rel_pos is not None:
            with_rel_pos(self.layers, rel_pos)
        self.num_heads = self.arch_settings['num_heads']
        use_attention(self.layers)  # faster bf16 attention on the CPU
        # Activation checkpointing of the blocks in forward_tokens (recomputed in the backward pass; only
        # when gradients flow, so the no-grad EMA target encoder is unaffected).
        self.with_cp = with_cp
        if self.frozen_stages > 0:  # again: the tokens and relative position tables above came after the parent's
            self._freeze_stages()

    def _freeze_stages(self):
        """mmpretrain's freezing, plus what JEPAViT adds in front of the blocks (mask token, register tokens)
        and inside them (relative position tables): a frozen probe trains none of the encoder."""
        super()._freeze_stages()
        for token in (getattr(self, 'mask_token', None), getattr(self, 'register_tokens', None)):
            if token is not None:
                token.requires_grad_(False)

    def init_weights(self):
        """The official init, or a *strict* transfer when ``init_cfg`` is ``dict(type='Pretrained',
        checkpoint=..., prefix=...)``: every backbone key must come from the checkpoint and every
        checkpoint key under ``prefix`` must be used, else :class:`mmjepa.utils.TransferError` lists them
        (mmengine's own ``Pretrained`` init only logs them). The file is loaded with ``weights_only=True``.
        Use ``prefix='target_generator.encoder.'`` (target encoder, the default of the transfer configs) or
        ``'backbone.'`` (context encoder, or a backbone-only file) for an mmjepa pretraining checkpoint."""
        def official_init():
            super(JEPAViT, self).init_weights()
            apply_init(self, self.init_scheme)
            self.init_token_weights()
            self.pos_embed.data.copy_(self.layout.sincos(self.embed_dims))

        self.init_or_load(official_init)

    @property
    def layout(self) -> TokenLayout:
        """The patch grid of the configured ``img_size``."""
        return TokenLayout(self.patch_resolution)

    def layout_of(self, x: torch.Tensor) -> TokenLayout:
        stride = self.patch_embed.projection.stride
        return TokenLayout((math.ceil(x.shape[-2] / stride[0]), math.ceil(x.shape[-1] / stride[1])))

    def embed(self, x: torch.Tensor):
        x, patch_resolution = self.patch_embed(x)
        return x, TokenLayout(patch_resolution)

    def position_table(self, layout: TokenLayout) -> Optional[torch.Tensor]:
        """The fixed sin-cos table, resized to ``layout`` (another input size); None without ``abs_pos``."""
        if not self.abs_pos:
            return None
        return resize_pos_embed(self.pos_embed, self.patch_resolution, layout.grid, mode=self.interpolate_mode,
                                num_extra_tokens=0)

    def forward(self, x: torch.Tensor):
        """mmpretrain's ``forward`` (the downstream interface); with registers, a mask token, relative
        position or no absolute position, the same outputs computed by :meth:`forward_tokens`."""
        if self.abs_pos and self.register_tokens is None and not self.uses_rel_pos:
            return super().forward(x)
        layout = self.layout_of(x)
        outs = self.forward_tokens(x, out_indices=self.out_indices)
        return tuple(self._format_output(tokens, layout.grid) for tokens in outs)
