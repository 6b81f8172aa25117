# Copyright (c) mmjepa contributors. All rights reserved.
"""T-JEPA's feature-subset masks of table rows (`Thimonier et al., arXiv 2410.05016
<https://arxiv.org/abs/2410.05016>`_, official code ``jose-melo/t-jepa``, ``src/mask.py``)."""
from typing import Optional, Sequence

import torch
from mmpretrain.registry import MODELS

from .masks import Masks

_KEY = 'model.mask_sampler'


def _check_share(name: str, share: Sequence[float]) -> tuple:
    if len(share) != 2 or not 0. < share[0] <= share[1] < 1.:
        raise ValueError(f'{_KEY}.{name}={tuple(share)} must be (min, max) with 0 < min <= max < 1')
    return float(share[0]), float(share[1])


@MODELS.register_module()
class FeatureSubsetMaskSampler:
    """Per row: a context of ``k_c`` random features and ``num_targets`` target sets of ``k_t`` random features
    each, drawn independently from the features outside the context (disjoint from it; two target sets of a row
    share features by chance only).

    **The official target sets are one set** (``identical_targets=True`` reproduces it). The official
    ``create_masks`` appends a view of the same shuffled array for every target set, so after its last shuffle
    the ``num_targets`` sets of a row are the same set (the loss equals the loss on one set). That is a bug,
    fixed by default (independent sets); the flag draws one set per row and repeats it.

    Sizes are drawn once per batch, as the official collator: with ``D`` features, ``lo = round(D * min)``,
    ``hi = round(D * max)`` and ``k = lo + round((hi - lo) * u)``, ``u ~ U[0, 1)``, for the context and the
    target share, redrawn (both) until ``k_c + k_t <= D``. The feature subsets of each row come from the
    random permutations of its own uniforms (``argsort``), drawn from the given generator; indices are sorted.

    **The official index range** (``official_indexing=True``). The official encoder puts ``num_cls_tokens``
    cls tokens in front of the ``D`` feature tokens but draws the mask indices in ``[0, D)`` of that
    ``num_cls_tokens + D`` sequence, so index 0 is the cls token (it is context or target like a feature) and
    the last ``num_cls_tokens`` features are never drawn. With the flag the sampler takes the layout of such
    an encoder (``TabularTokenizer(num_cls_tokens=n)``, ``input_size = n + D``) and draws as the official code.
    Without it (the default) only features are drawn: indices in ``[num_cls_tokens, num_cls_tokens + D)``
    (with the default tokenizer the layout holds the ``D`` features only and the cls tokens are the encoder's
    register tokens: ``num_cls_tokens=0``).

    Args:
        input_size (int | tuple): Tokens of the 1-D layout (set by the algorithm from its encoder).
        context_share (tuple): (min, max) share of the features in the context. Defaults to jannis' (0.14, 0.37).
        target_share (tuple): (min, max) share in each target set. Defaults to jannis' (0.16, 0.62).
        num_targets (int): Target sets per row. Defaults to 4.
        official_indexing (bool): Draw indices as the official code (see above). Defaults to False.
        num_cls_tokens (int): Cls tokens in front of the features in the layout (the tokenizer's). Defaults to 0.
        identical_targets (bool): Reproduce the official bug: the ``num_targets`` sets of a row are one set.
            Defaults to False.
    """

    def __init__(self, input_size=(1, ), context_share: Sequence[float] = (0.14, 0.37),
                 target_share: Sequence[float] = (0.16, 0.62), num_targets: int = 4,
                 official_indexing: bool = False, num_cls_tokens: int = 0, identical_targets: bool = False):
        size = tuple(input_size) if isinstance(input_size, (tuple, list, torch.Size)) else (input_size, )
        if len(size) != 1 or int(size[0]) != size[0] or size[0] < 1:
            raise ValueError(f'{_KEY}: input_size={input_size} must be a 1-D token layout (N,)')
        self.num_tokens = int(size[0])
        self.official_indexing = bool(official_indexing)
        if int(num_cls_tokens) != num_cls_tokens or num_cls_tokens < 0:
            raise ValueError(f'{_KEY}.num_cls_tokens={num_cls_tokens} must be a non-negative integer')
        self.num_cls_tokens = int(num_cls_tokens)
        self.num_features = self.num_tokens - self.num_cls_tokens  # D: the sizes are shares of it
        if self.num_features < 2:
            raise ValueError(f'{_KEY}: {self.num_features} features (layout {size} less num_cls_tokens='
                             f'{self.num_cls_tokens}); a context and a target need at least 2')
        self.context_share = _check_share('context_share', context_share)
        self.target_share = _check_share('target_share', target_share)
        if int(num_targets) != num_targets or num_targets < 1:
            raise ValueError(f'{_KEY}.num_targets={num_targets} must be a positive integer')
        self.num_targets = int(num_targets)
        self.identical_targets = bool(identical_targets)
        self.context_range = self.size_range(self.context_share, 'context_share')
        self.target_range = self.size_range(self.target_share, 'target_share')
        if self.context_range[0] + self.target_range[0] > self.num_features:
            raise ValueError(f'{_KEY}: the smallest context ({self.context_range[0]}) and target '
                             f'({self.target_range[0]}) exceed the {self.num_features} features; lower the shares')

    def size_range(self, share: tuple, name: str) -> tuple:
        low, high = (round(self.num_features * s) for s in share)
        if low < 1:
            raise ValueError(f'{_KEY}.{name}={share} gives round({self.num_features} x {share[0]}) = 0 features; '
                             'raise the minimum')
        return low, high

    def draw_sizes(self, generator: Optional[torch.Generator] = None) -> tuple:
        """``(k_c, k_t)`` of one batch (the official rejection loop)."""
        while True:
            u = torch.rand(2, generator=generator, dtype=torch.float64).tolist()
            sizes = [lo + round((hi - lo) * v) for (lo, hi), v in zip((self.context_range, self.target_range), u)]
            if sizes[0] + sizes[1] <= self.num_features:
                return tuple(sizes)

    @torch.compiler.disable
    def __call__(self, batch_size: int, generator: Optional[torch.Generator] = None,
                 position_generator: Optional[torch.Generator] = None) -> Masks:
        """Masks of one batch: ``context`` [B, k_c], ``targets`` [num_targets, B, k_t], int64, sorted. The sizes
        come from ``generator``, the subsets from ``position_generator`` when given (``mask_draw='per_rank'``:
        the sizes shared by the ranks, the subsets per rank), else from ``generator`` too."""
        num_context, num_target = self.draw_sizes(generator)
        generator = position_generator if position_generator is not None else generator
        # Eligible indices: the features, or [0, D) of the cls + feature sequence (official_indexing)
        offset = 0 if self.official_indexing else self.num_cls_tokens
        order = torch.rand(batch_size, self.num_features, generator=generator).argsort(dim=1) + offset
        context = order[:, :num_context].sort(dim=1).values
        rest = order[:, num_context:].expand(1 if self.identical_targets else self.num_targets, -1, -1)
        picks = torch.rand(rest.shape, generator=generator).argsort(dim=2)[..., :num_target]
        targets = rest.gather(2, picks).sort(dim=2).values
        if self.identical_targets:
            targets = targets.expand(self.num_targets, -1, -1).contiguous()
        return Masks(context=context, targets=targets)

    @property
    def input_size(self):
        return (self.num_tokens, )

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={self.input_size}, context_share={self.context_share}, '
                f'target_share={self.target_share}, num_targets={self.num_targets}, '
                f'official_indexing={self.official_indexing}, identical_targets={self.identical_targets})')
