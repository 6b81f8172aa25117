# Copyright (c) mmjepa contributors. All rights reserved.
"""seq-JEPA's aggregator: a transformer over the observed views' ``[z_i; a_i]`` tokens and an [AGG] token."""
import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn

from ..layers.block import build_blocks, final_norm
from ..utils import apply_init

# nn.TransformerEncoderLayer's defaults, which the official aggregator keeps
OFFICIAL_BLOCK_CFG = dict(norm='post', act_cfg=dict(type='ReLU'), attn_drop=0.1, drop=0.1)
LAST_SLOT_INPUTS = ('action', 'zero')


@MODELS.register_module()
class ActionSequenceAggregator(BaseModule):
    """The aggregator of `seq-JEPA <https://arxiv.org/abs/2505.03176>`_ (official code ``hafezgh/seq-jepa``).

    Each action (the relative transformation from view ``i`` to ``i + 1``) is embedded as
    ``a_i = BN_noaffine(Linear_nobias(action_i))`` (:meth:`embed_actions`); observed view ``i`` becomes the token
    ``[z_i; a_i]``, the last observed view's action slot zeroed (its action is the one the predictor is given);
    a learned [AGG] token (zero-initialised) is prepended, ``num_layers`` transformer blocks and a final
    LayerNorm run over the sequence, and the [AGG] output is the aggregate ``agg`` (``feat_dims +
    action_embed_dims`` wide), seq-JEPA's invariant representation.

    By default the blocks are the official ``nn.TransformerEncoderLayer``: post-norm (``x = ln1(x + attn(x));
    x = ln2(x + ffn(x))``), ReLU FFN, dropout 0.1 on the attention weights, after the attention projection and
    inside the FFN, LayerNorm eps 1e-5; mmpretrain's parameter names (the fused ``attn.qkv`` is ``in_proj``), and
    the official init (``init_scheme='seqjepa'``: one layer built and cloned, :func:`seqjepa_init_`).

    Args:
        feat_dims (int): Width of the view embeddings ``z`` (ResNet-18: 512).
        action_dims (int): Width of an action (3DIEBench rotation: a quaternion, 4).
        action_embed_dims (int): Width of the action embedding. Defaults to 128.
        num_layers (int): Defaults to 3. num_heads (int): Defaults to 4.
        feedforward_channels (int, optional): Defaults to 4 x the token width (2560 for 512 + 128).
        block_cfg (dict, optional): The blocks' conventions (:func:`build_blocks`); keys left unset take the
            official values (:data:`OFFICIAL_BLOCK_CFG`); e.g. ``dict(norm='pre')`` for mmpretrain's pre-norm layer.
        last_slot_input (str): What the action embedding's batch norm sees in the last observed view's slot
            before that slot is zeroed: ``'action'`` (the predictor's action; the official 3DIEBench path, whose
            loader gives every relative action) or ``'zero'`` (the official augmentation path, which zeroes the
            slot before the projection too). Defaults to ``'action'``.
        init_scheme (str | dict, optional): Named init (:data:`mmjepa.models.utils.INIT_SCHEMES`) of the
            aggregator; None keeps mmpretrain's layer init. Defaults to ``'seqjepa'``.
    """

    def __init__(self,
                 feat_dims: int,
                 action_dims: int,
                 action_embed_dims: int = 128,
                 num_layers: int = 3,
                 num_heads: int = 4,
                 feedforward_channels: int = None,
                 block_cfg: dict = None,
                 last_slot_input: str = 'action',
                 norm_cfg: dict = dict(type='LN'),
                 init_scheme='seqjepa',
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.feat_dims, self.action_dims, self.action_embed_dims = feat_dims, action_dims, action_embed_dims
        self.embed_dims = feat_dims + action_embed_dims
        if self.embed_dims % num_heads:
            raise ValueError(f'model.aggregator: feat_dims + action_embed_dims = {self.embed_dims} is not divisible '
                             f'by num_heads={num_heads}')
        if last_slot_input not in LAST_SLOT_INPUTS:
            raise ValueError(f'model.aggregator.last_slot_input={last_slot_input!r} must be one of {LAST_SLOT_INPUTS}')
        self.last_slot_input = last_slot_input
        block_cfg = {**OFFICIAL_BLOCK_CFG, **(block_cfg or {})}
        self.action_embed = nn.Sequential(nn.Linear(action_dims, action_embed_dims, bias=False),
                                          nn.BatchNorm1d(action_embed_dims, affine=False))
        self.agg_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        self.layers = build_blocks(num_layers, self.embed_dims, num_heads,
                                   feedforward_channels or 4 * self.embed_dims, block_cfg, norm_cfg=norm_cfg)
        self.ln1 = final_norm(norm_cfg, self.embed_dims, block_cfg)
        self.init_scheme = init_scheme

    def init_weights(self):
        super().init_weights()
        if self.init_scheme is not None and not (isinstance(self.init_cfg, dict)
                                                 and self.init_cfg.get('type') == 'Pretrained'):
            apply_init(self, self.init_scheme)

    def embed_actions(self, actions: torch.Tensor) -> torch.Tensor:
        """``[..., action_dims] -> [..., action_embed_dims]`` (the batch norm runs over all leading dims)."""
        if actions.shape[-1] != self.action_dims:
            raise ValueError(f'actions have {actions.shape[-1]} values per step; model.aggregator.action_dims is '
                             f'{self.action_dims} (set it to the data pipeline\'s action width)')
        flat = actions.reshape(-1, self.action_dims).to(self.agg_token.dtype)
        return self.action_embed(flat).view(*actions.shape[:-1], self.action_embed_dims)

    def forward(self, feats: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """``feats`` [B, M, feat_dims] of the M observed views and ``actions`` [B, M, action_dims] (action ``i``
        leads from view ``i`` to ``i + 1``) -> ``agg`` [B, embed_dims]."""
        if feats.shape[:2] != actions.shape[:2]:
            raise ValueError(f'{feats.shape[1]} observed views but {actions.shape[1]} actions per sequence')
        keep = torch.ones(actions.shape[1], 1, dtype=feats.dtype, device=feats.device)
        keep[-1] = 0  # the last observed view's action is the predictor's: its slot is zeroed
        if self.last_slot_input == 'zero':
            actions = actions * keep.to(actions.dtype)
        emb = self.embed_actions(actions)
        x = torch.cat([feats, emb * keep], dim=-1)
        x = torch.cat([self.agg_token.expand(x.shape[0], -1, -1), x], dim=1)
        for layer in self.layers:
            x = layer(x)
        return self.ln1(x)[:, 0]
