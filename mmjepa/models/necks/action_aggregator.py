# Copyright (c) mmjepa contributors. All rights reserved.
"""seq-JEPA's aggregator: a transformer over the observed views' ``[z_i; a_i]`` tokens and an [AGG] token."""
import torch
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
from mmpretrain.registry import MODELS
from torch import nn


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
        drop_rate (float): Dropout in the blocks (``nn.TransformerEncoderLayer``'s default, which the official
            code keeps). Defaults to 0.1.
        act_cfg (dict): FFN activation. Defaults to ReLU (``nn.TransformerEncoderLayer``'s default).
    """

    def __init__(self,
                 feat_dims: int,
                 action_dims: int,
                 action_embed_dims: int = 128,
                 num_layers: int = 3,
                 num_heads: int = 4,
                 feedforward_channels: int = None,
                 drop_rate: float = 0.1,
                 act_cfg: dict = dict(type='ReLU'),
                 norm_cfg: dict = dict(type='LN'),
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
        self.layers = nn.ModuleList([
            TransformerEncoderLayer(embed_dims=self.embed_dims, num_heads=num_heads,
                                    feedforward_channels=feedforward_channels or 4 * self.embed_dims,
                                    drop_rate=drop_rate, act_cfg=act_cfg, norm_cfg=norm_cfg)
            for _ in range(num_layers)])
        self.ln1 = build_norm_layer(norm_cfg, self.embed_dims)[1]

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
