# Copyright (c) mmjepa contributors. All rights reserved.
"""Index helpers shared by encoders, predictors and target generators."""
import torch


def gather_tokens(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Select tokens: ``x`` is ``[B, N, D]`` and ``index`` is ``[B, K]`` -> ``[B, K, D]``.

    ``index`` may also be ``[T, B, K]`` (one row per target block); the result is then ``[T*B, K, D]`` in
    block-major order, the order in which the official code concatenates its ``apply_masks`` output.
    """
    if index.dim() == 3:
        # Advanced indexing instead of gathering from x repeated T times: no [T*B, N, D] copy of x (nor of
        # its gradient in the backward pass, which accumulates straight into [B, N, D]).
        batch = torch.arange(x.shape[0], device=index.device).view(1, -1, 1)
        return x[batch, index].flatten(0, 1)
    return torch.gather(x, 1, index.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
