# Copyright (c) mmjepa contributors. All rights reserved.
"""AD-L-JEPA's split of a LiDAR batch's bird's-eye-view cells into context and target, occupied and empty."""
from dataclasses import dataclass, fields
from typing import Sequence

import torch
from mmpretrain.registry import MODELS


@dataclass
class BEVMasks:
    """Which points each branch sees and which BEV cells each loss term reads (cells are ``[B, H, W]`` bool).

    Attributes:
        keep: [N] bool over the voxels (pillars) of the batch: True for the context encoder's input, False for
            the target encoder's (the voxels of the masked cells).
        context: occupied cells whose points the context encoder sees.
        target: occupied cells whose points only the target encoder sees (the prediction targets).
        context_empty: empty cells the context shows as the empty token.
        target_empty: empty cells the target shows as the empty token (targets of the empty-cell term).
    """
    keep: torch.Tensor
    context: torch.Tensor
    target: torch.Tensor
    context_empty: torch.Tensor
    target_empty: torch.Tensor

    def to(self, device, non_blocking: bool = False) -> 'BEVMasks':
        return BEVMasks(**{f.name: getattr(self, f.name).to(device, non_blocking=non_blocking) for f in fields(self)})


@MODELS.register_module()
class BEVCellMaskSampler:
    """The masking of `AD-L-JEPA <https://arxiv.org/abs/2501.04969>`_ (official code
    ``HaoranZhuExplorer/AD-L-JEPA-Release``): BEV cells at the encoder's output stride; the occupied cells of the
    batch (those holding a voxel) are shuffled together and ``1 - mask_ratio`` of them kept for the context, the
    rest masked (their points go to the target encoder only); every empty cell goes to the context with
    probability ``1 - mask_ratio``, else to the target.

    As in the official code the occupied split is one draw over the whole (per-GPU) batch, not per sample, and the
    number kept is ``int(n_occupied * (1 - mask_ratio))``.

    Args:
        mask_ratio (float): Share of the cells masked. Defaults to 0.5 (the official KITTI setting).
    """

    def __init__(self, mask_ratio: float = 0.5):
        if not 0 < mask_ratio < 1:
            raise ValueError(f'model.mask_sampler.mask_ratio={mask_ratio} must be in (0, 1)')
        self.mask_ratio = mask_ratio

    def __call__(self, coors: torch.Tensor, batch_size: int, bev_shape: Sequence[int], stride: int,
                 generator: torch.Generator) -> BEVMasks:
        """Masks of the voxels ``coors`` ([N, 4] ``(batch, z, y, x)`` voxel indices) of ``batch_size`` samples
        whose BEV map is ``bev_shape`` ``(H, W)`` cells of ``stride`` x ``stride`` voxels; draws from the CPU
        ``generator``; returns CPU tensors."""
        coors = coors.detach().long().cpu()
        height, width = bev_shape
        cell_y, cell_x = coors[:, 2] // stride, coors[:, 3] // stride
        if coors.numel() and (int(cell_y.max()) >= height or int(cell_x.max()) >= width
                              or int(coors[:, 0].max()) >= batch_size):
            raise ValueError(f'voxel indices {tuple(coors.max(0).values.tolist())} fall outside {batch_size} BEV maps '
                             f'of {height} x {width} cells at stride {stride}: check the voxel layer range against '
                             'the encoder (middle_encoder output shape, out_stride)')
        cells = (coors[:, 0] * height + cell_y) * width + cell_x
        occupied_cells, voxel_cell = torch.unique(cells, return_inverse=True)
        num_occupied = occupied_cells.numel()
        kept = torch.zeros(num_occupied, dtype=torch.bool)
        kept[torch.randperm(num_occupied, generator=generator)[:int(num_occupied * (1 - self.mask_ratio))]] = True

        num_cells = batch_size * height * width
        occupied = torch.zeros(num_cells, dtype=torch.bool)
        occupied[occupied_cells] = True
        context = torch.zeros(num_cells, dtype=torch.bool)
        context[occupied_cells[kept]] = True
        to_context = torch.rand(num_cells, generator=generator) < 1 - self.mask_ratio
        shape = (batch_size, height, width)
        return BEVMasks(
            keep=kept[voxel_cell],
            context=context.view(shape),
            target=(occupied & ~context).view(shape),
            context_empty=(to_context & ~occupied).view(shape),
            target_empty=(~to_context & ~occupied).view(shape))
