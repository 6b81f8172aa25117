# Copyright (c) mmjepa contributors. All rights reserved.
"""The modality-agnostic token transformer: any tokenizer, the family's token pipeline, mmpretrain blocks."""
from functools import partial
from typing import Optional, Sequence, Union

import torch
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.registry import MODELS
from torch import nn

from ..layers.block import build_blocks, check_block_cfg, final_norm
from ..layers.norm_linear_norm import NormLinearNorm
from ..layers.rel_pos_attention import with_rel_pos
from ..utils import apply_init
from ..utils.layout import TokenLayout, check_pos_cfg
from .jepa_vit import JEPAViT
from .token_encoder import TokenEncoder


@MODELS.register_module()
class TokenTransformer(TokenEncoder, BaseBackbone):
    """A JEPA encoder over the tokens of any ``tokenizer`` (``forward(x) -> (tokens [B, N, D], layout)`` and
    a ``layout`` attribute for the configured input), e.g. ECG-JEPA's
    ``dict(type='SignalPatchEmbed', in_channels=12, patch_size=25, signal_length=5000)``: a fixed sin-cos
    table of the layout (any rank), optional register / mask tokens and relative position, and the family's
    blocks (:class:`JEPABlock`, configured by ``block_cfg``) under the key names of :class:`JEPAViT`
    (``layers.{i}``, ``ln1``, ``pos_embed``).

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
        pos_cfg (dict, optional): Layout of the sin-cos table (:meth:`TokenLayout.sincos`: ``interleave``,
            ``offset``). Defaults to I-JEPA's ``[sin | cos]`` from position 0.
        block_cfg (dict, optional): The blocks' conventions (:func:`build_blocks`: ``norm``, ``act_cfg``,
            biases, ``attn_drop``, ``drop``); ``norm_bias`` also sets the final norm's. Defaults to I-JEPA's.
        drop_rate (float): Dropout after the attention projection and in the MLP (ECG-JEPA fine-tuning: 0.05),
            i.e. ``block_cfg.drop``. Defaults to 0.
        init_scheme (str | dict): Named init (:data:`mmjepa.models.utils.INIT_SCHEMES`). Defaults to 'ijepa'.
        out_proj (bool): After the final norm, a Linear and a second norm (T-JEPA's LN-Linear-LN output head,
            ``ln1 = NormLinearNorm``: keys ``ln1.norm1``, ``ln1.fc``, ``ln1.norm2``; the blocks' ``block_cfg.drop``
            before and after the Linear, as the official head). Defaults to False.
        drop_path_rate (float): Stochastic depth, linear over the blocks. Defaults to 0.
        frozen (bool): A fixed feature extractor (ECG-JEPA's attentive probe): no parameter trains, the
            encoder stays in eval mode and :meth:`forward` runs without autograd. Defaults to False.
        with_cp (bool): Activation checkpointing in :meth:`forward_tokens`. Defaults to False.
        grad_clamp (float, optional): Clamp every gradient element of this encoder's parameters to
            ``+-grad_clamp`` as it is computed (a hook per parameter: the official T-JEPA
            ``exp_gradient_clipping``, which clamps the encoder's gradients and not the predictor's).
            Defaults to None (no clamp).
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
                 pos_cfg: Optional[dict] = None,
                 block_cfg: Optional[dict] = None,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 frozen: bool = False,
                 init_scheme: Union[str, dict] = 'ijepa',
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 with_cp: bool = False,
                 out_proj: bool = False,
                 grad_clamp: Optional[float] = None,
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
        self.pos_cfg = check_pos_cfg(pos_cfg)
        block_cfg = check_block_cfg(block_cfg)
        if drop_rate:
            if block_cfg.get('drop', drop_rate) != drop_rate:
                raise ValueError(f'model.backbone.drop_rate={drop_rate} and block_cfg.drop={block_cfg["drop"]} '
                                 'disagree: set one of them')
            block_cfg['drop'] = drop_rate
        self.layers = build_blocks(self.num_layers, self.embed_dims, self.num_heads,
                                   settings['feedforward_channels'], block_cfg, drop_path_rate, norm_cfg)
        if rel_pos is not None:
            with_rel_pos(self.layers, rel_pos)
        self.final_norm = True
        self.ln1 = NormLinearNorm(self.embed_dims, norm_cfg, block_cfg.get('norm_bias', True),
                                  block_cfg.get('drop', 0.)) if out_proj else \
            final_norm(norm_cfg, self.embed_dims, block_cfg)
        self.init_scheme = init_scheme
        self.out_type = out_type
        self.out_indices = [i % self.num_layers for i in ([out_indices] if isinstance(out_indices, int)
                                                           else out_indices)]
        self.with_cp = with_cp
        self.init_token_options(self.embed_dims, mask_token, num_register_tokens)
        self.output_registers = output_registers
        self.frozen = frozen
        if frozen:
            self.requires_grad_(False)
        if grad_clamp is not None:
            if not grad_clamp > 0:
                raise ValueError(f'model.backbone.grad_clamp={grad_clamp} must be positive')
            for p in self.parameters():
                if p.requires_grad:
                    p.register_hook(partial(torch.clamp, min=-float(grad_clamp), max=float(grad_clamp)))

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
        return layout.sincos(self.embed_dims, **self.pos_cfg).to(self.pos_embed)

    def init_weights(self):
        def official_init():
            apply_init(self, self.init_scheme)
            self.init_token_weights()
            self.pos_embed.data.copy_(self.layout.sincos(self.embed_dims, **self.pos_cfg))

        self.init_or_load(official_init)

    def train(self, mode: bool = True):
        return super().train(mode and not self.frozen)

    def forward(self, x: torch.Tensor):
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen):
            outs = self.forward_tokens(x, out_indices=self.out_indices, with_registers=self.output_registers)
        return tuple(t if self.out_type == 'raw' else t.mean(dim=1) for t in outs)
