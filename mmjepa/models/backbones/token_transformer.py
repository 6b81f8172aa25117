# Copyright (c) mmjepa contributors. All rights reserved.
"""The modality-agnostic token transformer: any tokenizer, the family's token pipeline, mmpretrain blocks."""
from typing import Optional, Sequence, Union

import torch
from mmcv.cnn import build_norm_layer
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
from mmpretrain.registry import MODELS
from torch import nn

from ..layers.rel_pos_attention import with_rel_pos
from ..utils import jepa_init_, use_attention
from ..utils.layout import TokenLayout
from .jepa_vit import JEPAViT
from .token_encoder import TokenEncoder


class NormLinearNorm(nn.Module):
    """``norm2(fc(norm1(x)))``: the output head of the official T-JEPA encoder (LN, Linear, LN)."""

    def __init__(self, dims: int, norm_cfg: dict):
        super().__init__()
        self.norm1 = build_norm_layer(norm_cfg, dims)[1]
        self.fc = nn.Linear(dims, dims)
        self.norm2 = build_norm_layer(norm_cfg, dims)[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm2(self.fc(self.norm1(x)))


@MODELS.register_module()
class TokenTransformer(TokenEncoder, BaseBackbone):
    """A JEPA encoder over the tokens of any ``tokenizer`` (``forward(x) -> (tokens [B, N, D], layout)`` and
    a ``layout`` attribute for the configured input), e.g. ECG-JEPA's
    ``dict(type='SignalPatchEmbed', in_channels=12, patch_size=25, signal_length=5000)``: a fixed sin-cos
    table of the layout (any rank), optional register / mask tokens and relative position, and mmpretrain's
    blocks under the key names of :class:`JEPAViT` (``layers.{i}``, ``ln1``, ``pos_embed``).

    Args:
        tokenizer (dict): The tokenizer; ``embed_dims`` defaults to the arch's.
        arch (str | dict): A :class:`JEPAViT` arch name or a dict with ``embed_dims``, ``num_layers``,
            ``num_heads``, ``feedforward_channels``.
        out_type (str): Downstream output of :meth:`forward`: ``'raw'`` (tokens [B, N, D]) or ``'avg'``
            (their mean, [B, D]). Defaults to ``'raw'``.
        out_indices (int | Sequence[int]): Blocks whose output :meth:`forward` returns. Defaults to -1.
        num_register_tokens (int): Defaults to 0. mask_token (bool): Defaults to False.
        output_registers (bool): :meth:`forward` keeps the register tokens in front of the others (ECG-JEPA's
            evaluation: the probe attends to them, fine-tuning reads the first). Defaults to False.
        abs_pos (bool): Add the fixed sin-cos table. Defaults to True. rel_pos (dict, optional): see JEPAViT.
        drop_rate (float): Dropout after the attention projection and in the MLP (ECG-JEPA fine-tuning: 0.05).
            Defaults to 0.
        out_proj (bool): After the final norm, a Linear and a second norm (T-JEPA's LN-Linear-LN output head,
            ``ln1 = NormLinearNorm``: keys ``ln1.norm1``, ``ln1.fc``, ``ln1.norm2``). Defaults to False.
        drop_path_rate (float): Stochastic depth, linear over the blocks. Defaults to 0.
        frozen (bool): A fixed feature extractor (ECG-JEPA's attentive probe): no parameter trains, the
            encoder stays in eval mode and :meth:`forward` runs without autograd. Defaults to False.
        with_cp (bool): Activation checkpointing in :meth:`forward_tokens`. Defaults to False.
        init_cfg (dict, optional): ``dict(type='Pretrained', checkpoint=..., prefix=...)`` loads strictly.
    """
    OUT_TYPES = ('raw', 'avg')

    def __init__(self,
                 tokenizer: dict,
                 arch: Union[str, dict] = 'small',
                 out_type: str = 'raw',
                 out_indices: Union[int, Sequence[int]] = -1,
                 num_register_tokens: int = 0,
                 output_registers: bool = False,
                 mask_token: bool = False,
                 abs_pos: bool = True,
                 rel_pos: Optional[dict] = None,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 frozen: bool = False,
                 qkv_bias: bool = True,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 with_cp: bool = False,
                 out_proj: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        settings = JEPAViT.arch_zoo[arch.lower()] if isinstance(arch, str) else dict(arch)
        missing = {'embed_dims', 'num_layers', 'num_heads', 'feedforward_channels'} - set(settings)
        if missing:
            raise ValueError(f'model.backbone.arch is missing {sorted(missing)}')
        if out_type not in self.OUT_TYPES:
            raise ValueError(f'model.backbone.out_type={out_type!r} must be one of {self.OUT_TYPES}')
        self.embed_dims, self.num_heads = settings['embed_dims'], settings['num_heads']
        self.num_layers = settings['num_layers']
        self.tokenizer = MODELS.build(tokenizer, default_args=dict(embed_dims=self.embed_dims))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.layout.num_tokens, self.embed_dims), requires_grad=False)
        self.abs_pos = abs_pos
        self.drop_after_pos = nn.Identity()
        self.pre_norm = nn.Identity()
        dpr = [drop_path_rate * i / max(self.num_layers - 1, 1) for i in range(self.num_layers)]
        self.layers = nn.ModuleList(
            TransformerEncoderLayer(embed_dims=self.embed_dims, num_heads=self.num_heads,
                                    feedforward_channels=settings['feedforward_channels'], drop_rate=drop_rate,
                                    drop_path_rate=dpr[i],
                                    qkv_bias=qkv_bias, norm_cfg=norm_cfg) for i in range(self.num_layers))
        use_attention(self.layers)
        if rel_pos is not None:
            with_rel_pos(self.layers, rel_pos)
        self.final_norm = True
        self.ln1 = NormLinearNorm(self.embed_dims, norm_cfg) if out_proj else \
            build_norm_layer(norm_cfg, self.embed_dims)[1]
        self.out_type = out_type
        self.out_indices = [i % self.num_layers for i in ([out_indices] if isinstance(out_indices, int)
                                                           else out_indices)]
        self.with_cp = with_cp
        self.init_token_options(self.embed_dims, mask_token, num_register_tokens)
        self.output_registers = output_registers
        self.frozen = frozen
        if frozen:
            self.requires_grad_(False)

    @property
    def layout(self) -> TokenLayout:
        return self.tokenizer.layout

    def layout_of(self, x: torch.Tensor) -> TokenLayout:
        return self.tokenizer.layout_of(x)

    def embed(self, x: torch.Tensor):
        return self.tokenizer(x)

    def position_table(self, layout: TokenLayout) -> Optional[torch.Tensor]:
        if not self.abs_pos:
            return None
        if layout.grid == self.layout.grid:
            return self.pos_embed
        # Another input size (ECG-JEPA's 2.5 s evaluation crops): the table of that layout; on a 1-D layout
        # these are the first rows of the configured table, as the official code takes them.
        return layout.sincos(self.embed_dims).to(self.pos_embed)

    def init_weights(self):
        def official_init():
            jepa_init_(self)
            self.init_token_weights()
            self.pos_embed.data.copy_(self.layout.sincos(self.embed_dims))

        self.init_or_load(official_init)

    def train(self, mode: bool = True):
        return super().train(mode and not self.frozen)

    def forward(self, x: torch.Tensor):
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen):
            outs = self.forward_tokens(x, out_indices=self.out_indices, with_registers=self.output_registers)
        return tuple(t if self.out_type == 'raw' else t.mean(dim=1) for t in outs)
