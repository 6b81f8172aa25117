# Copyright (c) mmjepa contributors. All rights reserved.
"""seq-JEPA's aggregator: a transformer over the observed views' ``[z_i; a_i]`` tokens and an [AGG] token."""
import copy

import torch
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmpretrain.models.backbones.vision_transformer import TransformerEncoderLayer
from mmpretrain.registry import MODELS
from torch import nn

# block_cfg keys this aggregator honours and their defaults (nn.TransformerEncoderLayer's, as the official code)
OFFICIAL_BLOCK = dict(norm='post', act_cfg=dict(type='ReLU'), attn_drop=0.1, drop=0.1)
LAST_SLOT_INPUTS = ('action', 'zero')
INIT_SCHEMES = ('seqjepa', 'mmpretrain')


def seqjepa_block_init_(layer: TransformerEncoderLayer) -> None:
    """One official aggregator layer at construction (``nn.TransformerEncoderLayer``): ``nn.MultiheadAttention``'s
    init (xavier-uniform over the fused ``[3D, D]`` q/k/v projection, zero q/k/v and output-projection biases,
    the output projection's weight PyTorch's default Linear init), PyTorch's default init for the FFN linears
    and unit / zero LayerNorms."""
    for module in layer.modules():
        if isinstance(module, (nn.Linear, nn.LayerNorm)):
            module.reset_parameters()
    nn.init.xavier_uniform_(layer.attn.qkv.weight)
    nn.init.zeros_(layer.attn.qkv.bias)
    nn.init.zeros_(layer.attn.proj.bias)


@MODELS.register_module()
class ActionSequenceAggregator(BaseModule):
    """The aggregator of `seq-JEPA <https://arxiv.org/abs/2505.03176>`_ (official code ``hafezgh/seq-jepa``).

    Each action (the relative transformation from view ``i`` to ``i + 1``) is embedded as
    ``a_i = BN_noaffine(Linear_nobias(action_i))`` (:meth:`embed_actions`); observed view ``i`` becomes the token
    ``[z_i; a_i]``, the last observed view's action slot zeroed (its action is the one the predictor is given);
    a learned [AGG] token (zero-initialised) is prepended, ``num_layers`` transformer blocks and a final
    LayerNorm run over the sequence, and the [AGG] output is the aggregate ``agg`` (``feat_dims +
    action_embed_dims`` wide), seq-JEPA's invariant representation.

    By default the blocks are the official ``nn.TransformerEncoderLayer`` (post-norm ``x = ln1(x + attn(x));
    x = ln2(x + ffn(x))``, ReLU FFN, dropout 0.1 on the attention weights, after the attention projection and
    inside the FFN) with mmpretrain's parameter names (fused ``attn.qkv`` = ``in_proj``), initialised as the
    official ``nn.TransformerEncoder``: one layer built and cloned ``num_layers`` times.

    Args:
        feat_dims (int): Width of the view embeddings ``z`` (ResNet-18: 512).
        action_dims (int): Width of an action (3DIEBench rotation: a quaternion, 4).
        action_embed_dims (int): Width of the action embedding. Defaults to 128.
        num_layers (int): Defaults to 3. num_heads (int): Defaults to 4.
        feedforward_channels (int, optional): Defaults to 4 x the token width (2560 for 512 + 128).
        block_cfg (dict, optional): ``norm`` (``'post'`` or ``'pre'``, mmpretrain's layer), ``act_cfg``,
            ``attn_drop``, ``drop``; unset keys take the official values (:data:`OFFICIAL_BLOCK`).
        last_slot_input (str): What the action embedding's batch norm sees in the last observed view's slot
            before that slot is zeroed: ``'action'`` (the predictor's action; the official 3DIEBench path, whose
            loader gives every relative action) or ``'zero'`` (the official augmentation path, which zeroes the
            slot before the projection as well). Defaults to ``'action'``.
        init_scheme (str): ``'seqjepa'`` (the official init above) or ``'mmpretrain'`` (mmpretrain's layer init:
            xavier FFN, independent layers). Defaults to ``'seqjepa'``.
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
                 init_scheme: str = 'seqjepa',
                 norm_cfg: dict = dict(type='LN'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.feat_dims, self.action_dims, self.action_embed_dims = feat_dims, action_dims, action_embed_dims
        self.embed_dims = feat_dims + action_embed_dims
        if self.embed_dims % num_heads:
            raise ValueError(f'model.aggregator: feat_dims + action_embed_dims = {self.embed_dims} is not divisible '
                             f'by num_heads={num_heads}')
        unknown = set(block_cfg or {}) - set(OFFICIAL_BLOCK)
        if unknown:
            raise ValueError(f'model.aggregator.block_cfg: unknown keys {sorted(unknown)}; '
                             f'it takes {sorted(OFFICIAL_BLOCK)}')
        self.block_cfg = {**OFFICIAL_BLOCK, **(block_cfg or {})}
        if self.block_cfg['norm'] not in ('pre', 'post'):
            raise ValueError(f"model.aggregator.block_cfg.norm={self.block_cfg['norm']!r} must be 'pre' or 'post'")
        if last_slot_input not in LAST_SLOT_INPUTS:
            raise ValueError(f'model.aggregator.last_slot_input={last_slot_input!r} must be one of {LAST_SLOT_INPUTS}')
        if init_scheme not in INIT_SCHEMES:
            raise ValueError(f'model.aggregator.init_scheme={init_scheme!r} must be one of {INIT_SCHEMES}')
        self.last_slot_input, self.init_scheme = last_slot_input, init_scheme
        self.action_embed = nn.Sequential(nn.Linear(action_dims, action_embed_dims, bias=False),
                                          nn.BatchNorm1d(action_embed_dims, affine=False))
        self.agg_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        self.layers = nn.ModuleList([
            TransformerEncoderLayer(embed_dims=self.embed_dims, num_heads=num_heads,
                                    feedforward_channels=feedforward_channels or 4 * self.embed_dims,
                                    drop_rate=self.block_cfg['drop'], attn_drop_rate=self.block_cfg['attn_drop'],
                                    act_cfg=self.block_cfg['act_cfg'], norm_cfg=norm_cfg)
            for _ in range(num_layers)])
        self.ln1 = build_norm_layer(norm_cfg, self.embed_dims)[1]
        if init_scheme == 'seqjepa':
            self._init_official()

    def _init_official(self) -> None:
        seqjepa_block_init_(self.layers[0])
        for layer in self.layers[1:]:
            layer.load_state_dict(copy.deepcopy(self.layers[0].state_dict()))
        self.ln1.reset_parameters()

    def init_weights(self):
        """``'seqjepa'``: the official init (made again, so that a model's ``init_weights`` does not overwrite it
        with mmpretrain's layer init); ``'mmpretrain'``: mmpretrain's."""
        if self.init_scheme == 'seqjepa' and self.init_cfg is None:
            self._init_official()
            self._is_init = True
        else:
            super().init_weights()

    def embed_actions(self, actions: torch.Tensor) -> torch.Tensor:
        """``[..., action_dims] -> [..., action_embed_dims]`` (the batch norm runs over all leading dims)."""
        if actions.shape[-1] != self.action_dims:
            raise ValueError(f'actions have {actions.shape[-1]} values per step; model.aggregator.action_dims is '
                             f'{self.action_dims} (set it to the data pipeline\'s action width)')
        flat = actions.reshape(-1, self.action_dims).to(self.agg_token.dtype)
        return self.action_embed(flat).view(*actions.shape[:-1], self.action_embed_dims)

    def run_block(self, layer: TransformerEncoderLayer, x: torch.Tensor) -> torch.Tensor:
        """One block, pre- or post-norm (``block_cfg.norm``)."""
        if self.block_cfg['norm'] == 'pre':
            return layer(x)
        x = layer.ln1(x + layer.attn(x))
        return layer.ln2(layer.ffn(x, identity=x))

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
            x = self.run_block(layer, x)
        return self.ln1(x)[:, 0]
