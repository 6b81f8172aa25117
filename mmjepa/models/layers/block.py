# Copyright (c) mmjepa contributors. All rights reserved.
"""The family's transformer block: mmpretrain's ``TransformerEncoderLayer`` (its parameter names) with every
convention a member's official code uses set by configuration: norm placement, activation, biases per layer
kind, attention-weight dropout."""
from typing import Optional, Sequence

import torch
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
from torch import nn

from ..utils.attention import use_attention

BLOCK_CFG_KEYS = ('norm', 'act_cfg', 'qkv_bias', 'proj_bias', 'ffn_bias', 'norm_bias', 'attn_drop', 'drop')
#: ``nn.TransformerEncoderLayer`` parameter name -> :class:`JEPABlock`'s (the official T-JEPA and seq-JEPA blocks).
TORCH_ENCODER_LAYER_KEYS = {
    'self_attn.in_proj_weight': 'attn.qkv.weight', 'self_attn.in_proj_bias': 'attn.qkv.bias',
    'self_attn.out_proj.weight': 'attn.proj.weight', 'self_attn.out_proj.bias': 'attn.proj.bias',
    'linear1.weight': 'ffn.layers.0.0.weight', 'linear1.bias': 'ffn.layers.0.0.bias',
    'linear2.weight': 'ffn.layers.1.weight', 'linear2.bias': 'ffn.layers.1.bias',
    'norm1.weight': 'ln1.weight', 'norm1.bias': 'ln1.bias', 'norm2.weight': 'ln2.weight', 'norm2.bias': 'ln2.bias'}


def norm_cfg_with_bias(norm_cfg: dict, bias: bool = True) -> dict:
    """``norm_cfg`` for a LayerNorm without its bias when ``bias`` is False (``nn.LayerNorm(bias=False)``)."""
    if bias:
        return dict(norm_cfg)
    if norm_cfg.get('type') not in ('LN', 'LayerNorm', nn.LayerNorm):
        raise ValueError(f"block_cfg.norm_bias=False needs LayerNorm, got norm_cfg={norm_cfg}")
    return dict(norm_cfg, bias=False)


class JEPABlock(TransformerEncoderLayer):
    """One transformer block under mmpretrain's key names (``ln1``, ``attn.qkv``, ``attn.proj``, ``ln2``,
    ``ffn.layers.0.0``, ``ffn.layers.1``), so weights move between members, mmpretrain and the converters.

    Args:
        embed_dims (int), num_heads (int), feedforward_channels (int): The sizes.
        norm (str): ``'pre'`` (``x + attn(ln1(x))``, I-JEPA, timm, mmpretrain) or ``'post'``
            (``ln1(x + attn(x))``, then ``ln2(x + ffn(x))``: ``nn.TransformerEncoderLayer(norm_first=False)``,
            the blocks of T-JEPA and of seq-JEPA's aggregator). Defaults to ``'pre'``.
        act_cfg (dict): FFN activation. Defaults to GELU.
        qkv_bias, proj_bias, ffn_bias, norm_bias (bool): Biases of the q/k/v projection, the attention output
            projection, the two FFN layers and the LayerNorms (ECG-JEPA has none at all). Default True.
        attn_drop (float): Dropout on the attention weights. Defaults to 0.
        drop (float): Dropout after the attention projection and inside the FFN. Defaults to 0.
        drop_path_rate (float): Stochastic depth of both residual branches. Defaults to 0.
        norm_cfg (dict): The LayerNorms. Defaults to ``dict(type='LN', eps=1e-6)``.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 norm: str = 'pre',
                 act_cfg: dict = dict(type='GELU'),
                 qkv_bias: bool = True,
                 proj_bias: bool = True,
                 ffn_bias: bool = True,
                 norm_bias: bool = True,
                 attn_drop: float = 0.,
                 drop: float = 0.,
                 drop_path_rate: float = 0.,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 init_cfg: Optional[dict] = None):
        if norm not in ('pre', 'post'):
            raise ValueError(f"block_cfg.norm={norm!r} must be 'pre' or 'post'")
        super().__init__(embed_dims=embed_dims, num_heads=num_heads, feedforward_channels=feedforward_channels,
                         drop_rate=float(drop), attn_drop_rate=float(attn_drop),
                         drop_path_rate=float(drop_path_rate), qkv_bias=qkv_bias, act_cfg=act_cfg,
                         norm_cfg=norm_cfg_with_bias(norm_cfg, norm_bias), init_cfg=init_cfg)
        self.norm_first = norm == 'pre'
        if not proj_bias:
            self.attn.proj.register_parameter('bias', None)
        if not ffn_bias:
            for m in self.ffn.modules():
                if isinstance(m, nn.Linear):
                    m.register_parameter('bias', None)

    def init_weights(self):
        """mmpretrain's init (Xavier FFN weights, tiny normal FFN biases), skipping absent biases."""
        BaseModule.init_weights(self)
        for m in self.ffn.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.normal_(m.bias, std=1e-6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.norm_first:
            x = x + self.attn(self.ln1(x))
            return self.ffn(self.ln2(x), identity=x)
        x = self.ln1(x + self.attn(x))
        return self.ln2(self.ffn(x, identity=x))


def check_block_cfg(block_cfg: Optional[dict]) -> dict:
    """``block_cfg`` as a dict, or an error naming the unknown keys and the valid ones."""
    block_cfg = dict(block_cfg or {})
    unknown = sorted(set(block_cfg) - set(BLOCK_CFG_KEYS))
    if unknown:
        raise ValueError(f'block_cfg has unknown keys {unknown}; valid keys: {list(BLOCK_CFG_KEYS)}')
    return block_cfg


def final_norm(norm_cfg: dict, dims: int, block_cfg: Optional[dict] = None) -> nn.Module:
    """The norm after the last block, with or without its bias as the blocks' ``block_cfg.norm_bias``."""
    return build_norm_layer(norm_cfg_with_bias(norm_cfg, check_block_cfg(block_cfg).get('norm_bias', True)),
                            dims)[1]


def build_blocks(num_layers: int,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 block_cfg: Optional[dict] = None,
                 drop_path_rate: float = 0.,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 drop_path_rates: Optional[Sequence[float]] = None) -> nn.ModuleList:
    """``num_layers`` :class:`JEPABlock` s configured by ``block_cfg`` (keys: ``BLOCK_CFG_KEYS``), stochastic
    depth rising linearly from 0 to ``drop_path_rate`` (Python floats: no graph break under ``torch.compile``),
    attention through :func:`mmjepa.models.utils.attention`."""
    block_cfg = check_block_cfg(block_cfg)
    if drop_path_rates is None:
        drop_path_rates = [drop_path_rate * i / max(num_layers - 1, 1) for i in range(num_layers)]
    layers = nn.ModuleList(
        JEPABlock(embed_dims=embed_dims, num_heads=num_heads, feedforward_channels=feedforward_channels,
                  drop_path_rate=float(drop_path_rates[i]), norm_cfg=norm_cfg, **block_cfg)
        for i in range(num_layers))
    return use_attention(layers)
