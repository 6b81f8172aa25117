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

Each seed redraws the sequences and the probe initialisation; the JSON holds every seed and mean +- standard
error. ``--random-init`` evaluates the config's model without pretrained weights (the baseline).

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
    parser.add_argument('--probe-steps', type=int, default=1000, help='full-batch Adam steps of each probe')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--out', default=None, help='JSON with every seed and the summary')
    args = parser.parse_args(argv)
    if bool(args.checkpoint) == args.random_init:
        parser.error('give either a CHECKPOINT or --random-init')
    return args


def mean_stderr(values: List[float]) -> Dict[str, float]:
    values = [float(v) for v in values]
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1) if len(values) > 1 else 0.
    return dict(mean=mean, stderr=math.sqrt(var / len(values)), n=len(values))


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
    from mmengine.registry import DATASETS
    dataset = dict(dataset_cfg(cfg))
    load = [t for t in dataset['pipeline'] if t['type'] == 'LoadRenderedViews']
    if not load:
        raise ValueError('the train pipeline has no LoadRenderedViews')
    dataset.update(ann_file=f'{split}_images.npy', labels_file=f'{split}_labels.npy',
                   pipeline=[load[0], dict(type='PackInputs', algorithm_keys=['actions', 'latents'])])
    return DATASETS.build(dataset)


def extract(model, dataset, seed: int, draws: int, batch_size: int) -> Dict[str, np.ndarray]:
    """For ``draws`` pairs of sequences (A, B) per object: z of A_0 and B_0, agg_A, agg_B, the target quaternion
    of R_{A_0}^-1 R_{B_0} and the label."""
    import torch
    from mmengine.dataset import default_collate
    from mmjepa.datasets.seeded import sample_seed
    from mmjepa.datasets.transforms import relative_quaternions
    from mmjepa.utils.rng import seeded_rng
    out = {k: [] for k in ('z_a', 'z_b', 'agg_a', 'agg_b', 'target', 'label')}
    keys = [(i, d) for i in range(len(dataset)) for d in range(draws)]
    for start in range(0, len(keys), batch_size):
        chunk = keys[start:start + batch_size]
        samples = []
        for index, draw in chunk:
            for which in range(2):
                with seeded_rng(sample_seed(seed, draw * 2 + which, index)):
                    samples.append(dataset[index])
        data = model.data_preprocessor(default_collate(samples), False)
        with torch.no_grad():
            inputs = model.prepare_inputs(data['inputs'], data['data_samples'])
            # the observed views and their actions (the last one's slot is zeroed in the aggregator)
            feats, agg = model.encode_sequence(inputs['views'][:, :-1], inputs['actions'])
        euler = np.stack([np.asarray(s['data_samples'].latents)[0, :3] for s in samples])
        out['z_a'].append(feats[0::2, 0].numpy())
        out['z_b'].append(feats[1::2, 0].numpy())
        out['agg_a'].append(agg[0::2].numpy())
        out['agg_b'].append(agg[1::2].numpy())
        out['target'].append(np.stack([relative_quaternions(euler[i:i + 2])[0] for i in range(0, len(euler), 2)]))
        out['label'].append(np.array([int(s['data_samples'].gt_label) for s in samples[0::2]]))
    return {k: np.concatenate(v) for k, v in out.items()}


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


def evaluate(model, train_set, val_set, seed: int, args) -> Dict[str, float]:
    from sklearn.metrics import r2_score
    tr = extract(model, train_set, seed, args.draws, args.batch_size)
    va = extract(model, val_set, seed + 10_000, args.draws, args.batch_size)
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
    train_set, val_set = build_split(cfg, args.train_split), build_split(cfg, args.val_split)
    runs = []
    for seed in args.seeds:
        result = evaluate(model, train_set, val_set, seed, args)
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
