# Copyright (c) mmjepa contributors. All rights reserved.
"""The one structure in which masks travel from a mask sampler to the encoders, target generators and
predictors of the JEPA family."""
from dataclasses import dataclass, fields, replace
from typing import Optional

import torch


@dataclass
class Masks:
    """The masks of one batch, as token indices of a :class:`~mmjepa.models.utils.layout.TokenLayout`.

    Attributes:
        context (Tensor): [S, Kc] int64, the tokens each context sequence holds (sorted).
        targets (Tensor): [T, S, Kt] int64, the tokens of the ``T`` target sets of each sequence.
        hidden (Tensor, optional): [S, Kc] bool, the context slots whose token the encoder replaces with its
            mask token (MAE / LoMaR / SAR-JEPA: masking inside the encoder). None: the context is a kept subset
            (I-JEPA).
        sequences_per_sample (int): Sequences drawn per sample (SAR-JEPA's local windows: 4), stored
            sample-major: sequence ``s`` belongs to sample ``s // sequences_per_sample``. Defaults to 1.
    """
    context: torch.Tensor
    targets: torch.Tensor
    hidden: Optional[torch.Tensor] = None
    sequences_per_sample: int = 1

    def __post_init__(self):
        if self.context.dim() != 2 or self.targets.dim() != 3 or self.targets.shape[1] != self.context.shape[0]:
            raise ValueError(f'Masks: context must be [S, Kc] and targets [T, S, Kt] with the same S; got '
                             f'{tuple(self.context.shape)} and {tuple(self.targets.shape)}')
        if self.hidden is not None and self.hidden.shape != self.context.shape:
            raise ValueError(f'Masks: hidden {tuple(self.hidden.shape)} must have the shape of context '
                             f'{tuple(self.context.shape)}')
        if self.context.shape[0] % self.sequences_per_sample:
            raise ValueError(f'Masks: {self.context.shape[0]} sequences is not a multiple of '
                             f'sequences_per_sample={self.sequences_per_sample}')

    @property
    def num_samples(self) -> int:
        return self.context.shape[0] // self.sequences_per_sample

    def sample_index(self) -> torch.Tensor:
        """[S] the sample of every sequence."""
        return torch.arange(self.num_samples, device=self.context.device).repeat_interleave(
            self.sequences_per_sample)

    def samples(self, start: int, step: int) -> 'Masks':
        """The masks of samples ``start, start + step, ...`` (a rank's share of a global-batch draw)."""
        return self.select(slice(start, None, step))

    def select(self, index) -> 'Masks':
        """The masks of the samples ``index`` (a slice or an index tensor over the samples)."""
        n = self.sequences_per_sample

        def take(t: Optional[torch.Tensor], dim: int) -> Optional[torch.Tensor]:
            if t is None:
                return None
            t = t.unflatten(dim, (self.num_samples, n))
            where = [slice(None)] * t.dim()
            where[dim] = index
            return t[tuple(where)].flatten(dim, dim + 1)

        return replace(self, context=take(self.context, 0), targets=take(self.targets, 1),
                       hidden=take(self.hidden, 0))

    def to(self, device, non_blocking: bool = False) -> 'Masks':
        """The masks on ``device`` (pinned first when it is a GPU, so the copy does not wait for the stream)."""
        def move(t):
            if t is None:
                return None
            if torch.device(device).type == 'cuda' and t.device.type == 'cpu':
                t = t.pin_memory()
            return t.to(device, non_blocking=non_blocking)

        return replace(self, **{f.name: move(getattr(self, f.name)) for f in fields(self)
                                if isinstance(getattr(self, f.name), torch.Tensor)})
