# Copyright (c) mmjepa contributors. All rights reserved.
"""The per-step state-observation encoder of `ACT-JEPA <https://arxiv.org/abs/2501.14622>`_."""
import torch
from mmpretrain.registry import MODELS
from torch import nn


@MODELS.register_module()
class StateMLPEncoder(nn.Module):
    """Per-step encoder of state observations: ``[B, T, obs_dims] -> [B, T, embed_dims]`` (an MLP applied to
    every step alone; ACT-JEPA's proprioceptive encoder; the EMA target is a copy of it).

    Args:
        obs_dims (int): Observation width (39 for Meta-World v3).
        embed_dims (int): Token width. Defaults to 128.
        hidden_dims (int): MLP hidden width. Defaults to 256.
        num_heads (int): Heads of the policy transformer that takes the tokens. Defaults to 4.
    """

    def __init__(self, obs_dims: int, embed_dims: int = 128, hidden_dims: int = 256, num_heads: int = 4):
        super().__init__()
        self.obs_dims, self.embed_dims, self.num_heads = obs_dims, embed_dims, num_heads
        self.mlp = nn.Sequential(nn.Linear(obs_dims, hidden_dims), nn.GELU(), nn.Linear(hidden_dims, embed_dims))

    def forward_tokens(self, obs: torch.Tensor) -> torch.Tensor:
        if obs.shape[-1] != self.obs_dims:
            raise ValueError(f'model.backbone.obs_dims={self.obs_dims} but the observations are '
                             f'{tuple(obs.shape)}')
        return self.mlp(obs)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.forward_tokens(obs)
