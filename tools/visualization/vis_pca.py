# Copyright (c) mmjepa contributors. All rights reserved.
"""Three principal components of a JEPA encoder's patch features as RGB, over a few images.

    python tools/visualization/vis_pca.py CONFIG [CHECKPOINT] [--num-images 6] [--images A.png ...]
        [--bg-threshold T] [--encoder target|context] [--out pca.png] [--cfg-options k=v ...]

The figure of `DINOv2 <https://arxiv.org/abs/2304.07193>`_ (Fig. 1): the patch tokens of the encoder that
the model evaluates (``model.target_features``: the EMA target encoder of I-JEPA, DMT-JEPA and EC-IJEPA,
unconditioned) of all the images together are reduced by one PCA, and each patch is coloured by its first
three components (each min-max scaled to [0, 1] over all the images' patches) as red, green and blue; the
maps are upsampled (nearest) to the image size and drawn under the images. Each component's sign is fixed so
that its long tail (positive skewness) is positive: the same picture whatever the SVD's signs.

``--bg-threshold T`` drops the background as DINOv2 does: the patches whose first component (min-max scaled)
is below ``T`` are drawn black and the three components are refitted on the remaining (foreground) patches.
Without CHECKPOINT the randomly initialised model is drawn, and the title says so. ``--encoder context`` draws
the online (context) encoder's tokens of the whole images instead: in a short run the EMA target still
holds most of its initial weights while the context encoder has moved.
"""
import argparse
import os.path as osp
import sys
from typing import Optional, Tuple

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa

from mmjepa.visualization.figure import ImageGrid, save_figure  # noqa: E402
from mmjepa.visualization.inputs import (build_pretrain_model, load_config, load_images, model_input_size,  # noqa: E402
                                         normalise, pick_image_paths)


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description="PCA of a JEPA encoder's patch features as RGB")
    parser.add_argument('config', help='pretraining config (I-JEPA, DMT-JEPA, EC-IJEPA)')
    parser.add_argument('checkpoint', nargs='?', help='mmjepa pretraining checkpoint; without it, random init')
    parser.add_argument('--num-images', type=int, default=6, help="images from the config's training set")
    parser.add_argument('--images', nargs='+', help="image files instead of the config's training set")
    parser.add_argument('--bg-threshold', type=float, help='drop patches whose scaled first component is below this '
                        '(0-1), refit on the rest')
    parser.add_argument('--encoder', choices=['target', 'context'], default='target',
                        help="the model's evaluated (EMA target) encoder, or the online context encoder")
    parser.add_argument('--panel-size', type=int, default=160, help='panel side in pixels')
    parser.add_argument('--seed', type=int, default=0, help='seed of the random init')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', default='pca.png', help='output PNG')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config keys')
    return parser.parse_args(argv)


def principal_components(x: torch.Tensor, k: int = 3) -> torch.Tensor:
    """Projections ``[n, k]`` of the rows of ``x`` ([n, D]) on their ``k`` principal axes, each signed so
    that its skewness is positive (deterministic whatever the SVD returns)."""
    if x.shape[0] < k or x.shape[1] < k:
        raise ValueError(f'a PCA with {k} components needs at least {k} patches and {k} dims, got {tuple(x.shape)}')
    centred = x.double() - x.double().mean(0)
    _, _, vh = torch.linalg.svd(centred, full_matrices=False)
    proj = centred @ vh[:k].T
    sign = torch.where((proj**3).mean(0) < 0, -1., 1.).to(proj.dtype)
    return proj * sign


def min_max(x: torch.Tensor) -> torch.Tensor:
    """Each column of ``x`` scaled to [0, 1] (a constant column gives 0)."""
    low, high = x.min(0).values, x.max(0).values
    return (x - low) / (high - low).clamp_min(torch.finfo(x.dtype).tiny)


def pca_rgb(tokens: torch.Tensor, grid: Tuple[int, int], bg_threshold: Optional[float] = None) -> np.ndarray:
    """Patch tokens ``[B, N, D]`` of ``B`` images on a ``grid`` (rows, cols) -> RGB maps ``[B, rows, cols, 3]``
    in [0, 1]: one PCA over all ``B * N`` patches, components 1-3 min-max scaled. With ``bg_threshold``, the
    patches whose scaled first component is below it are black and the PCA is refitted on the others."""
    batch, num, dims = tokens.shape
    if num != grid[0] * grid[1]:
        raise ValueError(f'{num} tokens per image do not fill the {grid[0]}x{grid[1]} patch grid')
    x = tokens.reshape(batch * num, dims)
    rgb = min_max(principal_components(x))
    if bg_threshold is not None:
        if not 0 <= bg_threshold <= 1:
            raise ValueError(f'--bg-threshold={bg_threshold} must be in [0, 1] (the first component is scaled to it)')
        foreground = rgb[:, 0] >= bg_threshold
        if int(foreground.sum()) < 3:
            raise ValueError(f'--bg-threshold={bg_threshold} keeps {int(foreground.sum())} of {len(x)} patches; '
                             'lower it (3 are needed for the PCA)')
        rgb = torch.zeros_like(rgb)
        rgb[foreground] = min_max(principal_components(x[foreground]))
    return rgb.reshape(batch, grid[0], grid[1], 3).float().numpy()


def upsample(maps: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """``[B, rows, cols, C]`` maps enlarged (nearest) to ``size`` = (H, W), a whole number of times."""
    fy, fx = size[0] // maps.shape[1], size[1] // maps.shape[2]
    if (fy * maps.shape[1], fx * maps.shape[2]) != tuple(size):
        raise ValueError(f'{tuple(size)} is not a whole number of {maps.shape[1]}x{maps.shape[2]} patches')
    return np.repeat(np.repeat(maps, fy, 1), fx, 2)


@torch.no_grad()
def main(argv=None) -> dict:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    model = build_pretrain_model(cfg, args.checkpoint, seed=args.seed).to(args.device)
    if not callable(getattr(model, 'target_features', None)):
        raise TypeError(f'{type(model).__name__} has no target_features(inputs): give a JEPA pretraining config')
    size = model_input_size(model)
    paths = pick_image_paths(cfg, args.num_images, args.images)
    images = load_images(paths, size)
    encode = model.target_features if args.encoder == 'target' else model.backbone.forward_tokens
    tokens = encode(normalise(model, images).to(args.device)).float().cpu()
    maps = upsample(pca_rgb(tokens, tuple(model.backbone.patch_resolution), args.bg_threshold), size)

    weights = f'checkpoint {osp.basename(args.checkpoint)}' if args.checkpoint else 'random init (no checkpoint)'
    background = '' if args.bg_threshold is None else f'; patches with PC1 < {args.bg_threshold:g} dropped (black)'
    title = (f"{osp.splitext(osp.basename(args.config))[0]}: PCA of the {args.encoder} encoder's patch tokens\n"
             f'{weights}; RGB = components 1-3 over the {len(images)} images{background}')
    layout = ImageGrid(2, len(images), args.panel_size, title_lines=2, captions=True, row_labels=True)
    captions = [[osp.basename(p) for p in paths], [''] * len(paths)]
    fig = layout.draw([list(images), list(maps)], title, captions, row_labels=['image', 'PCA'])
    save_figure(fig, args.out)
    print(f'{title.replace(chr(10), "; ")}\nwritten to {args.out} ({layout.size[0]}x{layout.size[1]} px)')
    return dict(out=args.out, size=layout.size, maps=maps, images=images)


if __name__ == '__main__':
    main()
