# Copyright (c) mmjepa contributors. All rights reserved.
"""Probe a frozen JEPA encoder on a labelled image folder: k-NN and linear-probe top-1.

Example::

    python tools/analysis_tools/probe.py CONFIG [CHECKPOINT] --data-root data/demo/imagenet

``--data-root`` is a ``CustomDataset`` folder, ``train/<class>/*`` and ``val/<class>/*`` (the demo set of
``tools/dataset_converters/make_demo_data.py`` by default). Without CHECKPOINT the randomly initialised
model is probed (the baseline). Features are the average-pooled last-layer tokens of the target encoder
(or the context encoder), I-JEPA's protocol; the train split is the k-NN memory bank and the linear
probe's training set, the val split is evaluated. The results record the checkpoint's provenance
(``pretrain_provenance``: algorithm, arch, epochs, data, SHA-256) for the leaderboard.

The results JSON keeps every val image's outcome (``val_correct``), so that a later probe on the same images
given ``--baseline THAT_JSON`` reports its difference to the baseline with the paired (McNemar-style) standard
error of :func:`mmjepa.evaluation.paired_difference`: ``SE = sqrt(b + c - (b - c)^2 / N) / N`` with ``b``, ``c``
the images only one of the two probes gets right.
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import sys
import time
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from PIL import Image

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')
DEFAULT_MEAN = (123.675, 116.28, 103.53)
DEFAULT_STD = (58.395, 57.12, 57.375)


# ------------------------------------------------------------------------------------------------ data
def list_images(folder: str, classes: Optional[Sequence[str]] = None) -> Tuple[List[str], List[int], List[str]]:
    """Image paths and labels of a ``<folder>/<class>/...`` tree, classes in sorted order (as
    mmpretrain's ``CustomDataset``) unless ``classes`` is given."""
    if classes is None:
        classes = sorted(d for d in os.listdir(folder) if osp.isdir(osp.join(folder, d)))
    paths, labels = [], []
    for label, name in enumerate(classes):
        class_dir = osp.join(folder, name)
        if not osp.isdir(class_dir):
            continue
        for dirpath, dirnames, filenames in os.walk(class_dir):
            dirnames.sort()
            for fname in sorted(filenames):
                if fname.lower().endswith(IMG_EXTENSIONS):
                    paths.append(osp.join(dirpath, fname))
                    labels.append(label)
    if not paths:
        raise FileNotFoundError(f'No images found under {folder}/<class>/')
    return paths, labels, list(classes)


def load_batch(paths: Sequence[str], size: Tuple[int, int], mean: Sequence[float],
               std: Sequence[float]) -> torch.Tensor:
    """Load RGB images, resize to ``size`` (h, w) if needed and normalise (mean/std on 0-255 RGB)."""
    arrays = []
    for path in paths:
        with Image.open(path) as img:
            img = img.convert('RGB')
            if img.size != (size[1], size[0]):
                img = img.resize((size[1], size[0]), Image.BICUBIC)
            arrays.append(np.asarray(img, dtype=np.float32))
    x = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2)
    mean = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
    return (x - mean) / std


@torch.no_grad()
def extract_features(encoder: torch.nn.Module, paths: Sequence[str], size: Tuple[int, int],
                     mean: Sequence[float], std: Sequence[float], batch_size: int = 64,
                     device: str = 'cpu', desc: str = '') -> torch.Tensor:
    """Average-pooled ``encoder.forward_tokens`` features of every image, [N, D] float32 on the CPU."""
    feats = []
    start = time.time()
    tty = sys.stdout.isatty()  # a terminal: rewrite one line; a log: a line every few batches
    prefix, end = ('\r', '') if tty else ('', '\n')
    num_batches = (len(paths) + batch_size - 1) // batch_size
    for b, i in enumerate(range(0, len(paths), batch_size)):
        x = load_batch(paths[i:i + batch_size], size, mean, std).to(device)
        feats.append(encoder.forward_tokens(x).mean(dim=1).float().cpu())
        if tty or (b + 1) % 5 == 0 or b + 1 == num_batches:
            done = min(i + batch_size, len(paths))
            print(f'{prefix}[{desc}] {done}/{len(paths)} images ({time.time() - start:.1f}s)', end=end, flush=True)
    if tty:
        print(flush=True)
    return torch.cat(feats)


# --------------------------------------------------------------------------------------------- metrics
# The metrics live in mmjepa.evaluation (shared with knn_eval.py); re-exported here.
_REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
if osp.isdir(osp.join(_REPO, 'mmjepa')) and _REPO not in sys.path:
    sys.path.insert(0, _REPO)
from mmjepa.evaluation import (knn_predict, knn_top1, linear_probe_predict, linear_probe_top1,  # noqa: E402,F401
                               paired_difference, top1)
from mmjepa.utils.provenance import read_provenance  # noqa: E402


# ----------------------------------------------------------------------------------------------- model
def build_model(config: str, checkpoint: Optional[str] = None, device: str = 'cpu'):
    """Build the model of ``config``, initialise it and load ``checkpoint`` (strict) if given."""
    repo = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
    if osp.isdir(osp.join(repo, 'mmjepa')) and repo not in sys.path:
        sys.path.insert(0, repo)
    import mmjepa  # noqa: F401  (registers the models into mmpretrain's registry)
    from mmengine.config import Config
    from mmjepa.utils.logging import init_weights_quietly
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    cfg = Config.fromfile(config)
    init_default_scope('mmpretrain')
    model = MODELS.build(cfg.model)
    init_weights_quietly(model)
    if checkpoint is not None:
        ckpt = torch.load(checkpoint, map_location='cpu', weights_only=True)
        state_dict = ckpt['state_dict'] if isinstance(ckpt, dict) and 'state_dict' in ckpt else ckpt
        model.load_state_dict(state_dict, strict=True)
    model.to(device).eval()
    preprocessor = cfg.model.get('data_preprocessor') or cfg.get('data_preprocessor') or {}
    mean = tuple(preprocessor.get('mean') or DEFAULT_MEAN)
    std = tuple(preprocessor.get('std') or DEFAULT_STD)
    return model, mean, std


def select_encoder(model, which: str) -> torch.nn.Module:
    """``'target'``: the encoder the model evaluates (:meth:`BaseJEPA.encoder_to_evaluate`: the EMA target of
    I-JEPA, the online encoder where there is no EMA); ``'context'``: the online encoder."""
    if which == 'target':
        return model.encoder_to_evaluate()
    if which == 'context':
        return model.backbone
    raise ValueError(f'Unknown encoder {which!r}: expected "target" or "context"')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='k-NN and linear-probe evaluation of a frozen JEPA encoder')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', nargs='?', default=None,
                        help='checkpoint to load; without it the randomly initialised model is probed')
    parser.add_argument('--data-root', default='data/demo/imagenet',
                        help='folder with train/<class>/ and val/<class>/ images')
    parser.add_argument('--encoder', choices=['target', 'context'], default='target')
    parser.add_argument('--k', type=int, default=20, help='neighbours of the k-NN classifier')
    parser.add_argument('--temperature', type=float, default=0.07, help='k-NN vote temperature')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--out', default=None, help='JSON file for the results')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--seed', type=int, default=0, help='seed of the random init and the linear probe')
    parser.add_argument('--baseline', default=None,
                        help='results JSON of an earlier probe on the same images (e.g. the random init): report '
                        'the differences to it with their paired standard errors')
    return parser.parse_args(argv)


def images_digest(paths: Sequence[str], root: str) -> str:
    """sha1 of the val image list (paths relative to ``root``): two probes are paired only on the same list."""
    return hashlib.sha1('\n'.join(osp.relpath(p, root) for p in paths).encode()).hexdigest()


def compare(results: dict, baseline: dict) -> dict:
    """Per metric, ``results`` minus ``baseline`` with the paired SE (percentage points) and z = diff / SE."""
    if baseline.get('val_images') != results['val_images'] or 'val_correct' not in baseline:
        raise ValueError('The baseline was not probed on the same val images (or was written without per-image '
                         'outcomes by an older probe.py): probe it again with the same --data-root')
    return {metric: paired_difference([c == '1' for c in results['val_correct'][metric]],
                                      [c == '1' for c in baseline['val_correct'][metric]])
            for metric in ('knn', 'linear')}


def main(argv=None) -> dict:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    model, mean, std = build_model(args.config, args.checkpoint, args.device)
    encoder = select_encoder(model, args.encoder)
    size = tuple(model.backbone.img_size)

    train_paths, train_labels, classes = list_images(osp.join(args.data_root, 'train'))
    val_paths, val_labels, _ = list_images(osp.join(args.data_root, 'val'), classes)
    print(f'{len(classes)} classes, {len(train_paths)} train / {len(val_paths)} val images, '
          f'{args.encoder} encoder, input {size[0]}x{size[1]}')
    train_feats = extract_features(encoder, train_paths, size, mean, std, args.batch_size, args.device, 'train')
    val_feats = extract_features(encoder, val_paths, size, mean, std, args.batch_size, args.device, 'val')
    train_labels, val_labels = torch.tensor(train_labels), torch.tensor(val_labels)

    preds = dict(
        knn=knn_predict(train_feats, train_labels, val_feats, k=args.k, temperature=args.temperature,
                        num_classes=len(classes)),
        linear=linear_probe_predict(train_feats, train_labels, val_feats, num_classes=len(classes), seed=args.seed))
    knn, linear = top1(preds['knn'], val_labels), top1(preds['linear'], val_labels)
    results = dict(
        config=args.config, checkpoint=args.checkpoint, encoder=args.encoder, data_root=args.data_root,
        num_classes=len(classes), num_train=len(train_paths), num_val=len(val_paths),
        feature_dim=int(train_feats.shape[1]), k=min(args.k, len(train_paths)), knn_top1=knn, linear_top1=linear,
        chance=100. / len(classes), val_images=images_digest(val_paths, args.data_root),
        val_correct={m: ''.join('1' if ok else '0' for ok in (p == val_labels).tolist()) for m, p in preds.items()},
        pretrain_provenance=read_provenance(args.checkpoint))
    name = osp.basename(args.checkpoint) if args.checkpoint else 'random init'
    print(f'{name} ({args.encoder} encoder): k-NN top-1 (k={results["k"]}) {knn:.2f}%  |  '
          f'linear probe top-1 {linear:.2f}%  |  chance {results["chance"]:.2f}%')
    if args.baseline:
        with open(args.baseline) as f:
            baseline = json.load(f)
        results['versus_baseline'] = dict(baseline=args.baseline, **compare(results, baseline))
        base_name = osp.basename(baseline['checkpoint']) if baseline.get('checkpoint') else 'random init'
        print(f'versus {base_name} on the same {len(val_paths)} images (paired SE): ' + '  |  '.join(
            f'{label} {d["diff"]:+.2f} +- {d["se"]:.2f} points ({d["z"]:.1f} SE)'
            for label, d in (('k-NN', results['versus_baseline']['knn']),
                             ('linear', results['versus_baseline']['linear']))))
    if args.out:
        out_dir = osp.dirname(osp.abspath(args.out))
        os.makedirs(out_dir, exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
        print(f'Results written to {args.out}')
    return results


if __name__ == '__main__':
    main()
