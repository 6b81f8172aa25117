# Copyright (c) mmjepa contributors. All rights reserved.
"""The JEPA context/target encoder: mmpretrain's ViT with no class token, a fixed sin-cos position
embedding and a forward that computes only the kept tokens."""
from typing import Optional

import torch
from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.models.utils import resize_pos_embed
from mmpretrain.registry import MODELS

from ..utils import gather_tokens, jepa_init_, sincos_2d_position_embedding


@MODELS.register_module()
class JEPAViT(VisionTransformer):
    """Vision Transformer encoder of `I-JEPA <https://arxiv.org/abs/2301.08243>`_.

    Parameter names are those of mmpretrain's :class:`VisionTransformer` (``patch_embed.projection``,
    ``layers.{i}.attn.qkv``, ``ln1``...), so its weights load there and, through ``mmpretrain.`` types, in
    mmsegmentation and mmdetection. Differences from the parent: no ``[cls]`` token, ``pos_embed`` is the
    fixed 2-D sin-cos table of the official code (not trained), the default init is the official one
    (truncated normal 0.02 for every Linear and Conv2d, LayerNorm 1/0) and :meth:`forward_tokens` runs the
    blocks on a subset of patches only. Attention is mmpretrain's, i.e. ``scaled_dot_product_attention``.

    Args:
        arch (str | dict): ``'tiny'``, ``'small'``, ``'base'``, ``'large'``, ``'huge'``, ``'giant'`` with the
            official I-JEPA dimensions, or a dict with ``embed_dims``, ``num_layers``, ``num_heads`` and
            ``feedforward_channels``.
        out_type (str): Output of :meth:`forward` (the downstream interface). Defaults to ``'featmap'``
            ([B, D, h, w]), which adds no parameter; ``'avg_featmap'`` adds mmpretrain's pooled-feature LN.
        **kwargs: The other arguments of :class:`VisionTransformer`.
    """
    arch_zoo = {
        **dict.fromkeys(['t', 'tiny'], dict(embed_dims=192, num_layers=12, num_heads=3, feedforward_channels=768)),
        **dict.fromkeys(['s', 'small'], dict(embed_dims=384, num_layers=12, num_heads=6, feedforward_channels=1536)),
        **dict.fromkeys(['b', 'base'], dict(embed_dims=768, num_layers=12, num_heads=12, feedforward_channels=3072)),
        **dict.fromkeys(['l', 'large'], dict(embed_dims=1024, num_layers=24, num_heads=16,
                                             feedforward_channels=4096)),
        **dict.fromkeys(['h', 'huge'], dict(embed_dims=1280, num_layers=32, num_heads=16,
                                            feedforward_channels=5120)),
        # vit_giant of the official code: mlp_ratio 48/11 -> 6144.
        **dict.fromkeys(['g', 'giant'], dict(embed_dims=1408, num_layers=40, num_heads=16,
                                             feedforward_channels=6144)),
    }
    num_extra_tokens = 0

    def __init__(self,
                 arch: str = 'base',
                 out_type: str = 'featmap',
                 init_cfg: Optional[dict] = None,
                 **kwargs):
        if kwargs.pop('with_cls_token', False):
            raise ValueError('JEPAViT has no [cls] token: I-JEPA encoders are trained without one')
        super().__init__(arch=arch, out_type=out_type, with_cls_token=False, init_cfg=init_cfg, **kwargs)
        self.pos_embed.requires_grad_(False)
        self.num_heads = self.arch_settings['num_heads']

    def init_weights(self):
        super().init_weights()
        if not (isinstance(self.init_cfg, dict) and self.init_cfg['type'] == 'Pretrained'):
            jepa_init_(self)
            self.pos_embed.data.copy_(sincos_2d_position_embedding(self.embed_dims, self.patch_resolution))

    def forward_tokens(self, x: torch.Tensor, keep: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Encode the patches of ``x`` ([B, 3, H, W]) listed in ``keep`` ([B, K] flat raster indices; all
        patches when None). Returns the last layer's normalised tokens, [B, K, D]."""
        x, patch_resolution = self.patch_embed(x)
        x = x + resize_pos_embed(self.pos_embed, self.patch_resolution, patch_resolution,
                                 mode=self.interpolate_mode, num_extra_tokens=0)
        if keep is not None:
            x = gather_tokens(x, keep)
        x = self.pre_norm(self.drop_after_pos(x))
        for layer in self.layers:
            x = layer(x)
        return self.ln1(x) if self.final_norm else x
