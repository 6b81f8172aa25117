# Copyright (c) mmjepa contributors. All rights reserved.
"""The narrow ViT that predicts target-block representations from the context tokens."""
from typing import Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.models.utils import MultiheadAttention
from mmpretrain.registry import MODELS
from torch import nn
from torch.utils.checkpoint import checkpoint

from ..layers.block import JEPABlock, build_blocks, check_block_cfg, final_norm
from ..layers.norm_linear_norm import NormLinearNorm
from ..mask_samplers.masks import Masks
from ..utils import apply_init, gather_tokens
from ..utils.layout import TokenLayout, check_pos_cfg


def last_layer_on_queries(layer: JEPABlock, x: torch.Tensor, num_queries: int) -> torch.Tensor:
    """``layer(x)[:, -num_queries:]`` without the outputs of the other tokens.

    Every token still gives its key and value, but queries, attention output, projection and MLP are
    computed for the last ``num_queries`` tokens only: the same result (up to float rounding) for a fraction
    of the cost of the predictor's last block, whose context-token outputs would be discarded.
    """
    attn = layer.attn
    if type(attn).forward is not MultiheadAttention.forward or attn.v_shortcut:
        return layer(x)[:, -num_queries:]  # an attention variant this shortcut does not know: full layer
    batch_size, num_tokens, dims = x.shape
    post_norm = not getattr(layer, 'norm_first', True)
    h = x if post_norm else layer.ln1(x)
    weight, bias = attn.qkv.weight, attn.qkv.bias
    q = F.linear(h[:, -num_queries:], weight[:attn.embed_dims], None if bias is None else bias[:attn.embed_dims])
    kv = F.linear(h, weight[attn.embed_dims:], None if bias is None else bias[attn.embed_dims:])
    q = q.reshape(batch_size, num_queries, attn.num_heads, attn.head_dims).transpose(1, 2)
    k, v = kv.reshape(batch_size, num_tokens, 2, attn.num_heads, attn.head_dims).permute(2, 0, 3, 1, 4)
    out = attn.scaled_dot_product_attention(q, k, v, dropout_p=attn.attn_drop if attn.training else 0.)
    out = attn.proj(out.transpose(1, 2).reshape(batch_size, num_queries, attn.embed_dims))
    x = x[:, -num_queries:] + attn.out_drop(attn.gamma1(attn.proj_drop(out)))
    if post_norm:
        x = layer.ln1(x)
        return layer.ln2(layer.ffn(x, identity=x))
    return layer.ffn(layer.ln2(x), identity=x)


@MODELS.register_module()
class JEPAPredictor(BaseModule):
    """Predictor of `I-JEPA <https://arxiv.org/abs/2301.08243>`_.

    Context tokens are projected to ``predictor_dims`` and get the predictor's own sin-cos position
    embedding; each target block contributes ``mask_token + pos_embed[target index]`` tokens. All ``T``
    target blocks are folded into the batch: the context is repeated ``T`` times, the blocks run once on
    ``[T*B, Kc+Kt, P]`` and the ``Kt`` target tokens are projected back to the encoder width.

    Args:
        embed_dims (int): Encoder width D (set by the algorithm from its backbone).
        num_heads (int): Attention heads (the official code uses the encoder's).
        layout (TokenLayout): Token layout of the encoder (sizes the position table).
        predictor_dims (int): Predictor width. Defaults to 384.
        depth (int): Number of transformer blocks. Defaults to 6.
        mlp_ratio (float): Hidden width of the MLP relative to ``predictor_dims``. Defaults to 4.
        drop_path_rate (float): Stochastic depth, linear over the blocks. Defaults to 0.
        norm_cfg (dict): Norm layers. Defaults to LayerNorm with eps 1e-6.
        block_cfg (dict, optional): The blocks' conventions (:func:`build_blocks`). Defaults to I-JEPA's.
        pos_cfg (dict, optional): Layout of the sin-cos table (:meth:`TokenLayout.sincos`). Defaults to I-JEPA's.
        init_scheme (str | dict): Named init (:data:`mmjepa.models.utils.INIT_SCHEMES`). Defaults to 'ijepa'.
        linear_bias (bool): Biases of the input embedding ``embed`` and the output projection ``proj`` (the
            official ECG-JEPA predictor has none). Defaults to True.
        out_head (bool): Between the blocks and the final norm, the LN-Linear-LN head of the official T-JEPA
            predictor (its ``TabularEncoder``'s; ``head = NormLinearNorm``, with the blocks' dropout).
            Defaults to False.
        with_cp (bool): Activation checkpointing of every block when gradients flow: the blocks' activations
            (the largest at ViT-H, where the predictor runs on T x B sequences) are recomputed in the backward
            pass instead of kept. Same results. Defaults to False.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 layout: TokenLayout,
                 predictor_dims: int = 384,
                 depth: int = 6,
                 mlp_ratio: float = 4.,
                 drop_path_rate: float = 0.,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 block_cfg: Optional[dict] = None,
                 pos_cfg: Optional[dict] = None,
                 init_scheme: Union[str, dict] = 'ijepa',
                 linear_bias: bool = True,
                 out_head: bool = False,
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.layout = layout
        self.pos_cfg = check_pos_cfg(pos_cfg)
        self.init_scheme = init_scheme
        self.with_cp = with_cp
        num_patches = layout.num_tokens
        self.embed = nn.Linear(embed_dims, predictor_dims, bias=linear_bias)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, predictor_dims))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches, predictor_dims), requires_grad=False)
        self.layers = build_blocks(depth, predictor_dims, num_heads, int(predictor_dims * mlp_ratio), block_cfg,
                                   drop_path_rate, norm_cfg)
        if depth:
            self.layers[-1].fsdp_unit = False  # run from its weights (last_layer_on_queries): not an FSDP unit
        if out_head:
            checked = check_block_cfg(block_cfg)
            self.head = NormLinearNorm(predictor_dims, norm_cfg, checked.get('norm_bias', True),
                                       checked.get('drop', 0.))
        else:
            self.head = None
        self.ln1 = final_norm(norm_cfg, predictor_dims, block_cfg)
        self.proj = nn.Linear(predictor_dims, embed_dims, bias=linear_bias)

    def init_weights(self):
        super().init_weights()
        if not (isinstance(self.init_cfg, dict) and self.init_cfg['type'] == 'Pretrained'):
            apply_init(self, self.init_scheme)
            nn.init.trunc_normal_(self.mask_token, std=0.02)
            self.pos_embed.data.copy_(self.layout.sincos(self.pos_embed.shape[-1], **self.pos_cfg))

    def forward(self, context: torch.Tensor, masks: Masks) -> torch.Tensor:
        """Predict the target blocks.

        Args:
            context (Tensor): Encoded context tokens, [B, Kc, D].
            masks (Masks): ``context`` [B, Kc], the indices of those tokens, and ``targets`` [T, B, Kt],
                the indices of the target blocks.

        Returns:
            Tensor: Predictions [T*B, Kt, D], block-major (block t of every image, then block t+1).
        """
        context_idx, target_idx = masks.context, masks.targets
        num_blocks, batch_size, num_target = target_idx.shape
        pos = self.pos_embed.expand(batch_size, -1, -1)
        x = self.embed(context) + gather_tokens(pos, context_idx)
        x = x.repeat(num_blocks, 1, 1)
        queries = self.mask_token + gather_tokens(pos, target_idx)
        x = torch.cat([x, queries], dim=1)
        recompute = self.with_cp and torch.is_grad_enabled()
        for layer in self.layers[:-1]:
            x = checkpoint(layer, x, use_reentrant=False) if recompute else layer(x)
        if not len(self.layers):
            x = x[:, -num_target:]
        elif recompute:
            x = checkpoint(last_layer_on_queries, self.layers[-1], x, num_target, use_reentrant=False)
        else:
            x = last_layer_on_queries(self.layers[-1], x, num_target)
        if self.head is not None:
            x = self.head(x)
        return self.proj(self.ln1(x))
