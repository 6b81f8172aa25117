# Copyright (c) mmjepa contributors. All rights reserved.
"""Patch tokenizer of multi-lead signals (ECG): one token per ``patch_size`` samples over all leads, as in
`ECG-JEPA <https://arxiv.org/abs/2410.13867>`_."""
from typing import Tuple

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn

from ..utils.layout import TokenLayout

_KEY = 'model.backbone.tokenizer'


@MODELS.register_module()
class SignalPatchEmbed(BaseModule):
    """``Conv1d(in_channels -> embed_dims, kernel = stride = patch_size)`` over all leads: a 10 s, 500 Hz,
    12-lead ECG (5000 samples) becomes 200 tokens of 50 ms.

    As the official ECG-JEPA code: no norm after the projection, and no bias in the released configs
    (``bias=False``; their ``bias`` switch is shared by every Linear/LayerNorm of the model); the weight is
    initialised truncated-normal with std 0.02.

    Args:
        in_channels (int): Leads. Defaults to 12.
        embed_dims (int): Token width.
        patch_size (int): Samples per token. Defaults to 25.
        signal_length (int): Samples of the configured signal (sizes :attr:`layout`, hence the position table).
            Shorter inputs (the 2.5 s crops of the linear evaluation) are accepted; longer ones are not.
            Defaults to 5000.
        bias (bool): Bias in the projection. Defaults to False.
        init_cfg (dict, optional): mmengine init config; None keeps the truncated-normal init.
    """

    def __init__(self, in_channels: int = 12, embed_dims: int = 384, patch_size: int = 25,
                 signal_length: int = 5000, bias: bool = False, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        for name, value in (('in_channels', in_channels), ('embed_dims', embed_dims),
                            ('patch_size', patch_size), ('signal_length', signal_length)):
            if int(value) != value or value < 1:
                raise ValueError(f'{_KEY}.{name}={value} must be a positive integer')
        if signal_length % patch_size:
            raise ValueError(f'{_KEY}.signal_length={signal_length} is not a multiple of '
                             f'{_KEY}.patch_size={patch_size}')
        self.in_channels, self.embed_dims = in_channels, embed_dims
        self.patch_size, self.signal_length = patch_size, signal_length
        self.layout = TokenLayout((signal_length // patch_size, ))
        self.proj = nn.Conv1d(in_channels, embed_dims, kernel_size=patch_size, stride=patch_size, bias=bias)
        nn.init.trunc_normal_(self.proj.weight, std=0.02)
        if bias:
            nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, TokenLayout]:
        """``x`` [B, C, T] -> tokens [B, T / patch_size, embed_dims] and their :class:`TokenLayout`."""
        if x.dim() != 3:
            raise ValueError(f'SignalPatchEmbed expects signals [B, leads, samples], got shape {tuple(x.shape)}')
        _, leads, length = x.shape
        if leads != self.in_channels:
            raise ValueError(f'SignalPatchEmbed: the signal has {leads} leads but {_KEY}.in_channels='
                             f'{self.in_channels}; fix the config or the dataset lead selection')
        if length % self.patch_size or length == 0:
            raise ValueError(f'SignalPatchEmbed: {length} samples is not a positive multiple of '
                             f'{_KEY}.patch_size={self.patch_size}; crop or pad the signal')
        if length > self.signal_length:
            raise ValueError(f'SignalPatchEmbed: {length} samples is longer than {_KEY}.signal_length='
                             f'{self.signal_length} (the position table covers that many)')
        tokens = self.proj(x).transpose(1, 2)
        return tokens, TokenLayout((length // self.patch_size, ))

    def layout_of(self, x: torch.Tensor) -> TokenLayout:
        """The token layout of the signals ``x`` [B, C, T]."""
        return TokenLayout((x.shape[-1] // self.patch_size, ))

    def extra_repr(self) -> str:
        return f'patch_size={self.patch_size}, signal_length={self.signal_length}, layout={self.layout.grid}'
