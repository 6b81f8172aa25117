# Copyright (c) mmjepa contributors. All rights reserved.
"""seq-JEPA's evaluation (arXiv 2505.03176): is the encoder's ``z`` equivariant and the aggregate ``agg``
invariant to the transformation? On a rendered-object set (3DIEBench layout, :class:`RenderedObjectsDataset`):

- **classification**: a linear classifier (standardised features, cross-entropy, Adam) on ``agg`` of a
  sequence and on ``z`` of its first view, trained on the train objects, accuracy on the val objects;
- **rotation regression**: for two independent sequences A and B of one object, an MLP (2 x 256, ReLU)
  regresses the quaternion of ``R_{A_0}^-1 R_{B_0}`` from ``[z_{A_0}; z_{B_0}]`` (the official equivariance
  probe on ``[z_i; z_j]``) and from ``[agg_A; agg_B]``; R^2 (sklearn's, averaged over the 4 components) on val.

Every probe trains full-batch on features extracted once (eval mode) and is early-stopped on 20 % of the train
rows: the demo has a few thousand pairs, where an MLP run to the end overfits to a negative R^2.

Every view of every object is encoded once (eval mode); each seed redraws the sequences from these (the
aggregator runs on the drawn views' ``z`` and actions) and the probe initialisation; the JSON holds every seed and
mean +- standard error. ``--random-init`` evaluates the config's model without pretrained weights (the baseline).

    python tools/analysis_tools/seqjepa_eval.py CONFIG CHECKPOINT [--seeds 0 1 2] [--out eval.json]
    python tools/analysis_tools/seqjepa_eval.py CONFIG --random-init --out eval_random.json
"""
import argparse
import json
import math
import os.path as osp
import sys
from typing import Dict, List

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='seq-JEPA invariance / equivariance evaluation')
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', default=None)
    parser.add_argument('--random-init', action='store_true', help='no pretrained weights (the baseline)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--draws', type=int, default=8, help='sequence pairs drawn per object and seed')
    parser.add_argument('--train-split', default='train', help='<split>_images.npy / <split>_labels.npy')
    parser.add_argument('--val-split', default='val')
    parser.add_argument('--probe-steps', type=int, default=500, help='full-batch Adam steps of each probe')
    parser.add_argument('--batch-size', type=int, default=240, help='views encoded per forward')
    parser.add_argument('--out', default=None, help='JSON with every seed and the summary')
    args = parser.parse_args(argv)
    if bool(args.checkpoint) == args.random_init:
        parser.error('give either a CHECKPOINT or --random-init')
    return args


def mean_stderr(values: List[float]) -> Dict[str, float]:
    from mmjepa.evaluation.stats import mean_std_se
    mean, _, se = mean_std_se(values, single_std=0.)
    return dict(mean=mean, stderr=se, n=len(values))


def dataset_cfg(cfg) -> dict:
    """The config's :class:`RenderedObjectsDataset` (under a ``SeededDataset``)."""
    dataset = cfg.train_dataloader.dataset
    while dataset.get('type') in ('SeededDataset', 'RepeatDataset') or 'dataset' in dataset:
        dataset = dataset['dataset']
    if dataset.get('type') != 'RenderedObjectsDataset':
        raise ValueError(f'seqjepa_eval.py needs a RenderedObjectsDataset (3DIEBench layout) train set; the config has '
                         f'{dataset.get("type")!r}')
    return dataset


def build_split(cfg, split: str):
    """The config's :class:`RenderedObjectsDataset` on ``split`` and its ``LoadRenderedViews`` settings."""
    from mmengine.registry import DATASETS
    dataset = dict(dataset_cfg(cfg))
    load = [t for t in dataset['pipeline'] if t['type'] == 'LoadRenderedViews']
    if not load:
        raise ValueError('the train pipeline has no LoadRenderedViews')
    dataset.update(ann_file=f'{split}_images.npy', labels_file=f'{split}_labels.npy', pipeline=[])
    return DATASETS.build(dataset), dict(load[0])


def encode_views(model, dataset, load: dict, batch_size: int) -> Dict[str, np.ndarray]:
    """``z`` of every view of every object ([N, V, C], eval mode), the latents [N, V, 7] and the labels [N]:
    each view is encoded once and the sequences are drawn from these."""
    import torch
    from mmjepa.datasets.transforms import LoadRenderedViews
    from mmjepa.utils.rng import seeded_rng
    views = dataset.views_per_object
    loader = LoadRenderedViews(num_views=views, action=load.get('action', 'rot'), img_size=load.get('img_size'))
    feats, latents, labels = [], [], []
    per_batch = max(1, batch_size // views)
    for start in range(0, len(dataset), per_batch):
        images = []
        for index in range(start, min(start + per_batch, len(dataset))):
            with seeded_rng(index):
                results = loader(dataset.get_data_info(index))
            order = np.argsort(results['view_ids'])  # back to view order 0..V-1
            images += [results['img'][k] for k in order]
            latents.append(results['latents'][order])
            labels.append(results['gt_label'])
        batch = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()
        with torch.no_grad():
            x = model.data_preprocessor(dict(inputs=batch, data_samples=None), False)['inputs']
            feats.append(model.backbone.forward_tokens(x)[:, 0].view(-1, views, model.backbone.embed_dims).numpy())
    return dict(z=np.concatenate(feats), latents=np.stack(latents), label=np.array(labels))


def draw_pairs(model, encoded: Dict[str, np.ndarray], num_views: int, action: str, seed: int,
               draws: int) -> Dict[str, np.ndarray]:
    """``draws`` pairs of independent sequences (A, B) of ``num_views`` distinct views per object: z of A_0 and
    B_0, agg_A and agg_B (the aggregator on the M observed views and their actions), the quaternion of
    R_{A_0}^-1 R_{B_0} and the label."""
    import torch
    from mmjepa.datasets.transforms import relative_quaternions, rendered_view_actions
    rng = np.random.default_rng(seed)
    z, latents = encoded['z'], encoded['latents']
    objects = np.repeat(np.arange(len(z)), draws)
    picks = np.stack([[rng.choice(z.shape[1], num_views, replace=False) for _ in range(2)] for _ in objects])
    out = dict(label=encoded['label'][objects])
    aggs = []
    for which in range(2):
        seq = picks[:, which]  # [P, M + 1]
        seq_latents = latents[objects[:, None], seq]
        actions = np.stack([rendered_view_actions(lat, action) for lat in seq_latents])
        with torch.no_grad():
            agg = model.aggregator(torch.from_numpy(z[objects[:, None], seq[:, :-1]]), torch.from_numpy(actions))
        aggs.append(agg.numpy())
        out['z_' + 'ab'[which]] = z[objects, seq[:, 0]]
    out['agg_a'], out['agg_b'] = aggs
    first = latents[objects[:, None], picks[:, :, 0]][..., :3]  # [P, 2, 3]: Euler angles of A_0 and B_0
    out['target'] = np.stack([relative_quaternions(pair, canonical=True)[0] for pair in first])
    return out


def standardise(train: np.ndarray, val: np.ndarray):
    mean, std = train.mean(0), train.std(0) + 1e-6
    return (train - mean) / std, (val - mean) / std


def fit_probe(x_train, y_train, x_val, seed: int, steps: int, classes: int = 0, hidden: int = 256,
              holdout: float = 0.2, check_every: int = 25):
    """A linear classifier (``classes`` > 0) or an MLP regressor (2 x ``hidden``, ReLU), full-batch Adam on
    standardised features, early-stopped on a ``holdout`` share of the train rows (the state of the best
    held-out loss, checked every ``check_every`` steps); returns its predictions on ``x_val``."""
    import copy

    import torch
    from torch import nn
    torch.manual_seed(seed)
    x_train, x_val = standardise(x_train, x_val)
    order = np.random.default_rng(seed).permutation(len(x_train))
    cut = int(len(order) * (1 - holdout))
    fit, held = order[:cut], order[cut:]
    x = torch.as_tensor(x_train, dtype=torch.float32)
    x_val = torch.as_tensor(x_val, dtype=torch.float32)
    if classes:
        probe = nn.Linear(x.shape[1], classes)
        y = torch.as_tensor(y_train, dtype=torch.long)
        loss_fn = nn.functional.cross_entropy
    else:
        probe = nn.Sequential(nn.Linear(x.shape[1], hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                              nn.Linear(hidden, y_train.shape[1]))
        y = torch.as_tensor(y_train, dtype=torch.float32)
        loss_fn = nn.functional.mse_loss
    optimizer = torch.optim.Adam(probe.parameters(), lr=1e-3, weight_decay=1e-4)
    best, best_state = math.inf, copy.deepcopy(probe.state_dict())
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        loss_fn(probe(x[fit]), y[fit]).backward()
        optimizer.step()
        if step % check_every == 0:
            with torch.no_grad():
                held_loss = float(loss_fn(probe(x[held]), y[held]))
            if held_loss < best:
                best, best_state = held_loss, copy.deepcopy(probe.state_dict())
    probe.load_state_dict(best_state)
    with torch.no_grad():
        pred = probe(x_val)
    return pred.argmax(1).numpy() if classes else pred.numpy()


def evaluate(model, train, val, load: dict, seed: int, args) -> Dict[str, float]:
    from sklearn.metrics import r2_score
    num_views, action = int(load.get('num_views', 4)), load.get('action', 'rot')
    tr = draw_pairs(model, train, num_views, action, seed, args.draws)
    va = draw_pairs(model, val, num_views, action, seed + 10_000, args.draws)
    classes = int(max(tr['label'].max(), va['label'].max())) + 1
    result = {}
    for name, key in (('agg', 'agg_a'), ('z', 'z_a')):
        pred = fit_probe(tr[key], tr['label'], va[key], seed, args.probe_steps, classes=classes)
        result[f'cls_acc_{name}'] = float((pred == va['label']).mean() * 100)
    for name in ('z', 'agg'):
        x_tr = np.concatenate([tr[f'{name}_a'], tr[f'{name}_b']], 1)
        x_va = np.concatenate([va[f'{name}_a'], va[f'{name}_b']], 1)
        pred = fit_probe(x_tr, tr['target'], x_va, seed, args.probe_steps)
        result[f'rot_r2_{name}'] = float(r2_score(va['target'], pred))
    return result


def main(argv=None):
    args = parse_args(argv)
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmpretrain.registry import MODELS
    import mmjepa  # noqa: F401
    torch.set_num_threads(max(1, torch.get_num_threads()))
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    else:
        model.init_weights()
    model.eval()
    (train_set, load), (val_set, _) = build_split(cfg, args.train_split), build_split(cfg, args.val_split)
    train = encode_views(model, train_set, load, args.batch_size)
    val = encode_views(model, val_set, load, args.batch_size)
    runs = []
    for seed in args.seeds:
        result = evaluate(model, train, val, load, seed, args)
        print(f'seed {seed}: ' + ', '.join(f'{k} {v:.3f}' for k, v in result.items()), flush=True)
        runs.append(dict(seed=seed, **result))
    summary = {k: mean_stderr([r[k] for r in runs]) for k in runs[0] if k != 'seed'}
    for key, value in summary.items():
        print(f'{key}: {value["mean"]:.3f} +- {value["stderr"]:.3f} (n={value["n"]})')
    from mmjepa.utils.provenance import TRANSFER_KEY, read_provenance
    data = dataset_cfg(cfg).get('data_root', '')
    meta = dict(task='seqjepa-eval', dataset=osp.basename(osp.normpath(data)) or 'unknown')
    if args.random_init:
        meta.update(algorithm='random init', arch=type(model.backbone).__name__, pretrain_epochs=0,
                    pretrain_data='none')
    record = dict(benchmark_meta=meta, **{TRANSFER_KEY: read_provenance(args.checkpoint)})
    record.update(config=args.config, checkpoint=args.checkpoint, random_init=args.random_init, draws=args.draws,
                  num_train_objects=len(train_set), num_val_objects=len(val_set), runs=runs, summary=summary)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(record, f, indent=2)
    return record


if __name__ == '__main__':
    main()
