# Copyright (c) mmjepa contributors. All rights reserved.
"""seq-JEPA's aggregator: a transformer over the observed views' ``[z_i; a_i]`` tokens and an [AGG] token."""
import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn

from ..layers.block import build_blocks, final_norm
from ..utils import apply_init


@MODELS.register_module()
class ActionSequenceAggregator(BaseModule):
    """The aggregator of `seq-JEPA <https://arxiv.org/abs/2505.03176>`_ (official code ``hafezgh/seq-jepa``).

    Each action (the relative transformation from view ``i`` to ``i + 1``) is embedded as
    ``a_i = BN_noaffine(Linear_nobias(action_i))`` (:meth:`embed_actions`); observed view ``i`` becomes the token
    ``[z_i; a_i]``, the last observed view's action slot zeroed (its action is the one the predictor is given);
    a learned [AGG] token (zero-initialised) is prepended, ``num_layers`` mmpretrain transformer blocks and a
    final LayerNorm run over the sequence, and the [AGG] output is the aggregate ``agg`` (``feat_dims +
    action_embed_dims`` wide), seq-JEPA's invariant representation.

    Args:
        feat_dims (int): Width of the view embeddings ``z`` (ResNet-18: 512).
        action_dims (int): Width of an action (3DIEBench rotation: a quaternion, 4).
        action_embed_dims (int): Width of the action embedding. Defaults to 128.
        num_layers (int): Defaults to 3. num_heads (int): Defaults to 4.
        feedforward_channels (int, optional): Defaults to 4 x the token width (2560 for 512 + 128).
        block_cfg (dict): The blocks' conventions (:func:`build_blocks`). Defaults to ReLU and dropout 0.1 after
            the attention projection and in the FFN (``nn.TransformerEncoderLayer``'s defaults).
        init_scheme (str | dict, optional): Named init (:data:`mmjepa.models.utils.INIT_SCHEMES`) of the blocks;
            None keeps mmpretrain's. Defaults to None.
    """

    def __init__(self,
                 feat_dims: int,
                 action_dims: int,
                 action_embed_dims: int = 128,
                 num_layers: int = 3,
                 num_heads: int = 4,
                 feedforward_channels: int = None,
                 block_cfg: dict = dict(act_cfg=dict(type='ReLU'), drop=0.1),
                 norm_cfg: dict = dict(type='LN'),
                 init_scheme=None,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.feat_dims, self.action_dims, self.action_embed_dims = feat_dims, action_dims, action_embed_dims
        self.embed_dims = feat_dims + action_embed_dims
        if self.embed_dims % num_heads:
            raise ValueError(f'model.aggregator: feat_dims + action_embed_dims = {self.embed_dims} is not divisible '
                             f'by num_heads={num_heads}')
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
        emb = self.embed_actions(actions)
        keep = torch.ones(emb.shape[1], 1, dtype=emb.dtype, device=emb.device)
        keep[-1] = 0  # the last observed view's action is the predictor's: its slot is zeroed
        x = torch.cat([feats, emb * keep], dim=-1)
        x = torch.cat([self.agg_token.expand(x.shape[0], -1, -1), x], dim=1)
        for layer in self.layers:
            x = layer(x)
        return self.ln1(x)[:, 0]
