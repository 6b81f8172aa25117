# Copyright (c) mmjepa contributors. All rights reserved.
"""DMT-JEPA's discriminative targets: EMA encoder features aggregated over similar neighbours."""
from typing import Dict, Optional, Tuple

import torch
from mmpretrain.registry import MODELS
from torch import nn

from ..utils import gather_tokens, neighbour_table, topk_neighbours
from ..utils.neighbours import SIMILARITY_DTYPES
from .ema_target import EMATargetGenerator


@MODELS.register_module()
class DMTTargetGenerator(EMATargetGenerator):
    """Targets of `DMT-JEPA <https://arxiv.org/abs/2405.17995>`_.

    EMA target encoder on the full image -> LayerNorm without affine -> for every patch, the ``k`` patches of
    its ``window_size x window_size`` neighbourhood (itself excluded) most cosine-similar to it -> the EMA
    copy of the aggregation head (:class:`LocalAggHead`) in local mode -> per-patch targets, gathered per
    target block. The head copy is registered by the algorithm with ``add_mirror('agg_head', head)`` and
    follows the online head with the encoder's momentum.

    Args:
        encoder (nn.Module): The context encoder to mirror.
        num_neighbours (int): k of the top-k. Defaults to 4.
        window_size (int): Neighbourhood window (odd). Defaults to 3.
        border (str): ``'wrap'`` (torus, the official tables) or ``'clip'`` (border patches have fewer
            neighbours; slots beyond them are masked out of the head's attention). Defaults to ``'wrap'``.
        official_query_order (bool): Reproduce the official query-ordering bug (patch ``(b, n)`` of a batch of
            ``B`` starts from the mean of image ``(b*N + n) mod B``). Defaults to False (its own image's mean).
        similarity_dtype (str): Precision of the neighbours' cosine similarities (:func:`topk_neighbours`):
            ``'float32'`` (default) or ``'bfloat16'``, the official code's (its selection under bf16
            autocast picks another top-k set for some patches; see configs/dmtjepa/README.md).
        **kwargs: The EMA regime's arguments (``momentum``, ``total_steps``, ``normalize``) of
            :class:`EMATargetGenerator`.
    """

    def __init__(self,
                 encoder: nn.Module,
                 num_neighbours: int = 4,
                 window_size: int = 3,
                 border: str = 'wrap',
                 official_query_order: bool = False,
                 similarity_dtype: str = 'float32',
                 **kwargs):
        super().__init__(encoder, **kwargs)
        if num_neighbours < 1 or num_neighbours > window_size**2 - 1:
            raise ValueError(f'num_neighbours={num_neighbours} must be in [1, window_size**2 - 1 = '
                             f'{window_size**2 - 1}]')
        neighbour_table((3, 3), window_size, border)  # validates window_size and border
        if similarity_dtype not in SIMILARITY_DTYPES:
            raise ValueError(f'target_generator.similarity_dtype={similarity_dtype!r} must be one of '
                             f'{tuple(SIMILARITY_DTYPES)}')
        self.similarity_dtype = similarity_dtype
        self.num_neighbours = num_neighbours
        self.window_size = window_size
        self.border = border
        self.official_query_order = official_query_order
        self._tables: Dict[tuple, Tuple[torch.Tensor, Optional[torch.Tensor]]] = {}

    def neighbours(self, grid_size: Tuple[int, int], device: torch.device):
        """Cached ``(index [N, W], valid [N, W] or None when all slots are valid)`` of a patch grid."""
        key = (tuple(grid_size), str(device))
        if key not in self._tables:
            index, valid = neighbour_table(grid_size, self.window_size, self.border)
            self._tables[key] = (index.to(device), None if bool(valid.all()) else valid.to(device))
        return self._tables[key]

    @torch.no_grad()
    def features(self, images: torch.Tensor, **encoder_kwargs) -> torch.Tensor:
        """Per-patch DMT targets of the whole image, [B, N, D]."""
        head = getattr(self, 'agg_head', None)
        if head is None:
            raise RuntimeError("DMTTargetGenerator has no aggregation head: the algorithm must call "
                               "target_generator.add_mirror('agg_head', online_head)")
        x = super().features(images, **encoder_kwargs)
        batch_size, num, dims = x.shape
        grid = self.encoder.layout_of(images).grid
        if len(grid) != 2:
            raise ValueError(f'DMTTargetGenerator needs a 2-D token grid (a patch grid); the encoder gives {grid}')
        if grid[0] * grid[1] != num:
            raise ValueError(f'{num} tokens do not fill the {grid[0]}x{grid[1]} patch grid of {tuple(images.shape)}')
        index, valid = self.neighbours(grid, x.device)
        chosen, mask = topk_neighbours(x, index, valid, self.num_neighbours, self.similarity_dtype)
        nbrs = gather_tokens(x, chosen.flatten(1)).view(batch_size, num, chosen.shape[-1], dims)
        return head(x, nbrs, mask, official_query_order=self.official_query_order)
