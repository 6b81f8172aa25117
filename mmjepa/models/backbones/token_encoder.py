# Copyright (c) mmjepa contributors. All rights reserved.
"""The token pipeline every encoder of the family shares: embed -> position -> select / mask -> registers and
conditioning tokens -> transformer blocks -> final norm, computed on the tokens a step needs only."""
from typing import Callable, List, Optional, Sequence

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from ...utils.transfer import load_pretrained_strict
from ..layers.rel_pos_attention import run_block
from ..utils import gather_tokens
from ..utils.layout import TokenLayout


class TokenEncoder:
    """Mixin of the family's encoders (:class:`JEPAViT`, :class:`TokenTransformer`). The class provides
    ``embed(x) -> (tokens [B, N, D], layout)``, ``position_table(layout) -> [1, N, D] or None``, ``layers``
    (mmpretrain ``TransformerEncoderLayer``), ``ln1`` / ``final_norm``, ``with_cp`` and calls
    :meth:`init_token_options`.

    Options (off by default, so the encoder is I-JEPA's):

    - ``mask_token``: a learned token that replaces the context slots marked ``hidden`` (masking inside the
      encoder, as MAE / LoMaR / SAR-JEPA);
    - ``num_register_tokens``: learned tokens prepended to every sequence, attended to by every block, with
      no position, dropped at the output (ECG-JEPA);
    - relative position on the attention (``rel_pos``, e.g. iRPE on keys) when the blocks' attention is a
      :class:`RelPosMultiheadAttention`: it gets the grid coordinates of the tokens.
    """

    def init_token_options(self, embed_dims: int, mask_token: bool = False, num_register_tokens: int = 0) -> None:
        if num_register_tokens < 0:
            raise ValueError(f'model.backbone.num_register_tokens={num_register_tokens} must be >= 0')
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dims)) if mask_token else None
        self.num_register_tokens = num_register_tokens
        self.register_tokens = nn.Parameter(torch.zeros(1, num_register_tokens, embed_dims)) \
            if num_register_tokens else None

    def init_token_weights(self) -> None:
        for p in (self.mask_token, self.register_tokens):
            if p is not None:
                nn.init.trunc_normal_(p, std=0.02)

    def init_or_load(self, default_init: Callable[[], None]) -> None:
        """``init_weights`` of the family's encoders: ``default_init()``, or a *strict* transfer when ``init_cfg``
        is ``dict(type='Pretrained', checkpoint=..., prefix=...)`` (every encoder key from the checkpoint and
        every checkpoint key under ``prefix`` used, else :class:`mmjepa.utils.TransferError` lists them; loaded
        with ``weights_only=True``), once."""
        cfg = self.init_cfg
        if not (isinstance(cfg, dict) and cfg['type'] == 'Pretrained'):
            default_init()
            return
        if self._is_init:
            return
        load_pretrained_strict(self, cfg['checkpoint'], prefix=cfg.get('prefix'),
                               map_location=cfg.get('map_location', 'cpu'))
        self._is_init = True

    @property
    def uses_rel_pos(self) -> bool:
        return any(getattr(layer.attn, 'rel_pos', None) is not None for layer in self.layers)

    def forward_tokens(self, x: torch.Tensor, keep: Optional[torch.Tensor] = None,
                       hidden: Optional[torch.Tensor] = None, sequences_per_sample: int = 1,
                       cond_tokens: Optional[torch.Tensor] = None, cond_shift: Optional[torch.Tensor] = None,
                       out_indices: Optional[Sequence[int]] = None, with_registers: bool = False):
        """Encode the tokens of ``x`` listed in ``keep`` ([S, K] indices in the layout's raster order; all
        tokens when None). Returns the last layer's normalised tokens, [S, K, D].

        Args:
            hidden (Tensor, optional): [S, K] bool, slots whose token is replaced by the mask token.
            sequences_per_sample (int): ``keep`` holds this many sequences per sample (SAR-JEPA's windows).
            cond_tokens (Tensor, optional): [S, M, D] appended to the tokens, attended to by every block,
                dropped at the output (EC-IJEPA).
            cond_shift (Tensor, optional): [S, 1, D] added to every token after the position embedding.
            out_indices (Sequence[int], optional): return the tokens after each of these blocks instead (a
                list; the final norm applies to the last block's), for the downstream ``forward``.
            with_registers (bool): keep the register tokens at the front of the output (ECG-JEPA's
                evaluation attends to them). Defaults to False.
        """
        x, layout = self.embed(x)
        pos = self.position_table(layout)
        if pos is not None:
            x = x + pos
        if sequences_per_sample > 1:
            x = x.repeat_interleave(sequences_per_sample, dim=0)
        if keep is not None:
            x = gather_tokens(x, keep)
        if hidden is not None:
            if self.mask_token is None:
                raise ValueError('The masks hide tokens inside the encoder but model.backbone.mask_token=False')
            fill = self.mask_token.to(x.dtype)
            if pos is not None:
                pos = pos.expand(x.shape[0], -1, -1)
                fill = fill + (gather_tokens(pos, keep) if keep is not None else pos)
            x = torch.where(hidden.unsqueeze(-1), fill, x)
        if cond_shift is not None:
            x = x + cond_shift
        start, num = self.num_register_tokens, x.shape[1]
        first = 0 if with_registers else start  # the first output token
        if self.register_tokens is not None:
            x = torch.cat([self.register_tokens.expand(x.shape[0], -1, -1).to(x.dtype), x], dim=1)
        if cond_tokens is not None:
            x = torch.cat([x, cond_tokens.to(x.dtype)], dim=1)
        coords = None
        if self.uses_rel_pos:
            coords = layout.coordinates().to(x.device)
            if keep is not None:
                coords = coords[keep]
        x = self.pre_norm(self.drop_after_pos(x))
        outs: List[torch.Tensor] = []
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            if self.with_cp and x.requires_grad:
                x = checkpoint(run_block, layer, x, coords, (start, num), use_reentrant=False)
            else:
                x = run_block(layer, x, coords, (start, num))
            if out_indices is not None and i in out_indices:
                tokens = x[:, first:start + num]
                outs.append(self.ln1(tokens) if i == last and self.final_norm else tokens)
        if out_indices is not None:
            return outs
        x = x[:, first:start + num]
        return self.ln1(x) if self.final_norm else x

    def layout_of(self, x: torch.Tensor) -> TokenLayout:
        """The token layout of the input ``x``."""
        raise NotImplementedError
