# Copyright (c) mmjepa contributors. All rights reserved.
"""Draw the context and target blocks that a JEPA pretraining config's mask sampler gives at a training step.

    python tools/visualization/vis_masks.py CONFIG [--step 0] [--num-images 8] [--images A.png ...]
        [--world-size W] [--rank R] [--out masks.png] [--cfg-options k=v ...]

The model of CONFIG (I-JEPA, DMT-JEPA, EC-IJEPA: the same multi-block sampler, `I-JEPA
<https://arxiv.org/abs/2301.08243>`_ Fig. 4) is built without weights and its own ``sample_masks`` draws the
masks of ``--step`` exactly as training does: seeded by ``(model.mask_seed, step)``, for the global batch of
``train_dataloader.batch_size`` x ``--world-size`` images, of which rank ``--rank`` takes its share. The
world size defaults to the ``<gpus>xb<batch>`` part of the config's name (``8xb256``: 8), else 1. The panels
show the first ``--num-images`` samples of that rank's batch: the patches the context encoder sees are
drawn as they are, each target block tinted and outlined in its own colour, the rest darkened.

The images under the masks are the config's training images (evenly spaced over the set, resized to the
input size, not augmented) or the ``--images`` files: the masks are those of the step, the crops of that
step are not reproduced.
"""
import argparse
import contextlib
import math
import os.path as osp
import re
import sys
from typing import Iterator, List, Sequence, Tuple

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa

from mmjepa.visualization.figure import ImageGrid, save_figure  # noqa: E402
from mmjepa.visualization.inputs import (build_pretrain_model, load_config, load_images, model_input_size,  # noqa: E402
                                         pick_image_paths)

# matplotlib's tab10 without its grey: one colour per target block (then repeated)
PALETTE = np.array([(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                    (140, 86, 75), (227, 119, 194), (188, 189, 34), (23, 190, 207)], dtype=np.float64) / 255
DARKEN = 0.25  # brightness of the patches in neither the context nor a target
TINT = 0.5  # opacity of a target block's colour


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description="Draw a JEPA config's context and target blocks over images")
    parser.add_argument('config', help='pretraining config (I-JEPA, DMT-JEPA, EC-IJEPA)')
    parser.add_argument('--step', type=int, default=0, help='training step (iteration, from 0) whose masks to draw')
    parser.add_argument('--num-images', type=int, default=8, help="images from the config's training set")
    parser.add_argument('--images', nargs='+', help="image files to draw on instead of the config's training set")
    parser.add_argument('--batch-size', type=int, help='per-GPU batch (default: train_dataloader.batch_size)')
    parser.add_argument('--world-size', type=int, help="GPUs of the run (default: the config name's <gpus>xb<batch>, "
                        'else 1)')
    parser.add_argument('--rank', type=int, default=0, help='rank whose samples are drawn (default 0)')
    parser.add_argument('--ncols', type=int, default=4, help='panels per row')
    parser.add_argument('--panel-size', type=int, default=192, help='panel side in pixels')
    parser.add_argument('--out', default='masks.png', help='output PNG')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config keys')
    return parser.parse_args(argv)


def world_size_from_name(config: str) -> int:
    """The GPU count of an OpenMMLab config name (``..._8xb256-...``: 8), 1 without one."""
    found = re.search(r'(?:^|_)(\d+)xb\d+', osp.basename(config))
    return int(found[1]) if found else 1


@contextlib.contextmanager
def as_rank(model, rank: int, world_size: int) -> Iterator[None]:
    """Make ``model.sample_masks`` see ``(rank, world_size)`` as its process group (it reads
    ``get_dist_info`` from its module); restored on exit."""
    module = sys.modules[type(model).sample_masks.__module__]
    if not hasattr(module, 'get_dist_info'):
        raise RuntimeError(f'{type(model).__name__}.sample_masks no longer reads get_dist_info from '
                           f'{module.__name__}: --rank/--world-size cannot be simulated; update this tool')
    saved = module.get_dist_info
    module.get_dist_info = lambda *args, **kwargs: (rank, world_size)
    try:
        yield
    finally:
        module.get_dist_info = saved


def step_masks(model, step: int, batch_size: int, rank: int = 0,
               world_size: int = 1) -> Tuple[torch.Tensor, torch.Tensor]:
    """Context ``[B, Kc]`` and target ``[T, B, Kt]`` indices that rank ``rank`` of ``world_size`` draws at
    training step ``step`` (``model.sample_masks`` with the model's step counter set to ``step``)."""
    if not callable(getattr(model, 'sample_masks', None)):
        raise TypeError(f'{type(model).__name__} has no sample_masks: give a JEPA pretraining config')
    if step < 0 or not 0 <= rank < world_size:
        raise ValueError(f'--step={step} must be >= 0 and --rank={rank} in [0, --world-size={world_size})')
    model.step.fill_(step)  # the buffer a checkpoint holds, and its host mirror that sample_masks reads
    model._step = step
    with as_rank(model, rank, world_size):
        if getattr(model, 'mask_group_size', None) is None:
            masks = model.sample_masks(batch_size, 'cpu')
        else:  # masks drawn per group of the official per-GPU batch (model.mask_group_size)
            groups = model.mask_groups(torch.empty(batch_size, 0))
            if len(groups) != 1 or groups[0][0] is not None:
                raise ValueError(f'rank {rank} of {world_size} holds {len(groups)} mask groups of '
                                 f'model.mask_group_size={model.mask_group_size} (different lengths): give '
                                 '--world-size and a batch size with one group per rank (the recipe\'s GPU count)')
            masks = groups[0][2]
    if masks.sequences_per_sample != 1 or masks.hidden is not None:
        raise ValueError(f'{type(model).__name__} masks inside the encoder or draws several sequences per sample; '
                         'this tool draws context and target blocks of a patch grid (I-JEPA, DMT-JEPA, EC-IJEPA)')
    return masks.context, masks.targets


def overlay(image: np.ndarray, context: Sequence[int], targets: Sequence[Sequence[int]], grid: Tuple[int, int],
            scale: int = 1) -> np.ndarray:
    """``image`` ([H, W, 3] uint8) enlarged ``scale`` times (nearest), with the context patches as they are,
    target block ``t`` tinted with ``PALETTE[t]`` (opacity :data:`TINT`) and outlined in it, the other patches
    darkened to :data:`DARKEN`. Patch indices are flat raster indices on the ``grid`` (rows, cols)."""
    rows, cols = grid
    if image.shape[0] % rows or image.shape[1] % cols:
        raise ValueError(f'image {image.shape[:2]} is not a whole number of patches of the {rows}x{cols} grid')
    big = np.repeat(np.repeat(image.astype(np.float64) / 255, scale, 0), scale, 1)
    ph, pw = big.shape[0] // rows, big.shape[1] // cols
    patches = big.reshape(rows, ph, cols, pw, 3)  # a view: writes go to `big`
    state = np.full(rows * cols, -2)  # -2 neither, -1 context, t >= 0 target t (the last listed wins)
    state[np.asarray(context)] = -1
    for t, block in enumerate(targets):
        state[np.asarray(block)] = t
    original = patches.copy()
    for index in range(rows * cols):
        r, c = divmod(index, cols)
        if state[index] == -2:
            patches[r, :, c] *= DARKEN
        elif state[index] >= 0:
            colour = PALETTE[state[index] % len(PALETTE)]
            patches[r, :, c] = (1 - TINT) * original[r, :, c] + TINT * colour
    line = max(1, min(ph, pw) // 8)
    for t, block in enumerate(targets):
        r, c = np.divmod(np.asarray(block), cols)
        top, bottom, left, right = r.min() * ph, (r.max() + 1) * ph, c.min() * pw, (c.max() + 1) * pw
        colour = PALETTE[t % len(PALETTE)]
        big[top:top + line, left:right] = big[bottom - line:bottom, left:right] = colour
        big[top:bottom, left:left + line] = big[top:bottom, right - line:right] = colour
    return (big * 255).round().astype(np.uint8)


def main(argv=None) -> dict:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    model = build_pretrain_model(cfg, meta=True)
    grid = (model.mask_sampler.height, model.mask_sampler.width)
    batch_size = args.batch_size or cfg.train_dataloader.batch_size
    world_size = args.world_size or world_size_from_name(args.config)
    paths = pick_image_paths(cfg, args.num_images, args.images)
    if len(paths) > batch_size:
        raise ValueError(f'{len(paths)} images but a per-GPU batch of {batch_size}: draw at most {batch_size}')
    images = load_images(paths, model_input_size(model))
    context, targets = step_masks(model, args.step, batch_size, args.rank, world_size)
    num_targets, num_patches = targets.shape[0], grid[0] * grid[1]

    scale = max(1, math.ceil(args.panel_size / max(images.shape[1:3])))
    panels: List[np.ndarray] = [overlay(img, context[i], targets[:, i], grid, scale) for i, img in enumerate(images)]
    ncols = min(args.ncols, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    layout = ImageGrid(nrows, ncols, args.panel_size, title_lines=2, captions=True, legend_items=num_targets + 2)
    cells = [panels[r * ncols:(r + 1) * ncols] for r in range(nrows)]
    captions = [[f'sample {r * ncols + c}: {osp.basename(paths[r * ncols + c])}' for c in range(len(cells[r]))]
                for r in range(nrows)]
    title = (f'{osp.splitext(osp.basename(args.config))[0]}: masks of training step {args.step}\n'
             f'rank {args.rank} of {world_size} x batch {batch_size}, mask_seed {model.mask_seed}: context '
             f'{context.shape[1]} of {num_patches} patches, {num_targets} targets of {targets.shape[2]}')
    legend = [('context (as is)', (1., 1., 1.)), ('neither (darkened)', (DARKEN, ) * 3)]
    legend += [(f'target {t + 1}', PALETTE[t % len(PALETTE)]) for t in range(num_targets)]
    save_figure(layout.draw(cells, title, captions, legend=legend), args.out)
    print(f'{title.replace(chr(10), "; ")}\nwritten to {args.out} ({layout.size[0]}x{layout.size[1]} px)')
    return dict(out=args.out, size=layout.size, context=context, targets=targets, panels=panels)


if __name__ == '__main__':
    main()
