# Copyright (c) mmjepa contributors. All rights reserved.
"""Downstream evaluation of a T-JEPA encoder on its table, as the T-JEPA paper (arXiv 2410.05016): the frozen
encoder's tokens of each row (the regularisation tokens and every feature token, flattened) are the input of an
MLP, a tabular ResNet (Gorishniy et al. 2021) and XGBoost, compared with the same models on the raw
(standardised, coded) features and, with ``--inputs ... random``, on the tokens of the randomly initialised
encoder. Every input column is standardised with the train split's statistics. Train on the ``train`` split,
early-stop on ``val``, report ``test`` accuracy (classification) or RMSE (regression, in the target's units), mean,
std and standard error over seeds (model init, batch order, XGBoost's sampling; the split is the table's).

    python tools/analysis_tools/tabular_eval.py CONFIG CHECKPOINT [--seeds 5] [--models mlp resnet xgboost]
        [--inputs tjepa random raw] [--table-root DIR] [--out-dir DIR] [--cfg-options k=v ...]

CONFIG is the pretraining config (its ``train_dataloader.dataset`` names the table; ``--table-root`` points it
at another table of the same columns). Writes ``tabular_eval.json`` (every run, the summary, the checkpoint
provenance for the leaderboard) and ``tabular_eval.md`` into ``--out-dir`` (default: beside the checkpoint).
Without CHECKPOINT (``none``) the encoder is the random initialisation.
"""
import argparse
import copy
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

import numpy as np
import torch
from torch import nn

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

MODELS_ALL = ('mlp', 'resnet', 'xgboost')
INPUTS = ('tjepa', 'random', 'raw')


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='T-JEPA downstream evaluation: frozen tokens vs raw features')
    parser.add_argument('config')
    parser.add_argument('checkpoint', help="pretraining checkpoint, or 'none' for the random initialisation")
    parser.add_argument('--seeds', type=int, default=5)
    parser.add_argument('--models', nargs='+', choices=MODELS_ALL, default=list(MODELS_ALL))
    parser.add_argument('--inputs', nargs='+', choices=INPUTS, default=['tjepa', 'raw'],
                        help="'tjepa': the checkpoint's tokens; 'random': the tokens of the randomly initialised "
                        "encoder (same config); 'raw': the dataset's features")
    parser.add_argument('--encoder', choices=('target', 'context'), default='target',
                        help="'target': the encoder the model evaluates (the EMA target); 'context': the online one")
    parser.add_argument('--table-root', help='another data_root for the table (same columns)')
    parser.add_argument('--max-epochs', type=int, default=200, help='MLP / ResNet epochs (early stopping on val)')
    parser.add_argument('--patience', type=int, default=16)
    parser.add_argument('--out-dir')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='overrides of the config')
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------------------- data
def dataset_cfg(cfg) -> dict:
    """The ``TabularDataset`` config of the train loader (looked through wrappers)."""
    dataset = cfg.train_dataloader.dataset
    while dataset.get('type') != 'TabularDataset':
        if 'dataset' not in dataset:
            raise ValueError('tabular_eval.py: train_dataloader.dataset is not a TabularDataset')
        dataset = dataset['dataset']
    return dict(dataset)


def load_splits(cfg, table_root: Optional[str] = None) -> Dict[str, object]:
    from mmpretrain.registry import DATASETS
    base = dataset_cfg(cfg)
    if table_root:
        base['data_root'] = table_root
    return {split: DATASETS.build(dict(base, split=split)) for split in ('train', 'val', 'test')}


@torch.no_grad()
def embed(encoder: nn.Module, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Flattened tokens (register tokens first) of the frozen encoder, [N, tokens * D]."""
    out = []
    for start in range(0, len(x), batch_size):
        tokens = encoder.forward_tokens(torch.from_numpy(x[start:start + batch_size]), with_registers=True)
        out.append(tokens.flatten(1).numpy())
    return np.concatenate(out)


# ------------------------------------------------------------------------------- downstream models
class MLP(nn.Sequential):
    """Two hidden ReLU layers of 256 with dropout 0.1."""

    def __init__(self, dims: int, outputs: int, width: int = 256, dropout: float = 0.1):
        super().__init__(nn.Linear(dims, width), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(width, width), nn.ReLU(), nn.Dropout(dropout), nn.Linear(width, outputs))


class ResidualBlock(nn.Module):
    """BN -> Linear(d, 2d) -> ReLU -> Dropout -> Linear(2d, d) -> Dropout, plus the input (Gorishniy et al.)."""

    def __init__(self, width: int, dropout: float):
        super().__init__()
        self.body = nn.Sequential(nn.BatchNorm1d(width), nn.Linear(width, 2 * width), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(2 * width, width), nn.Dropout(dropout))

    def forward(self, x):
        return x + self.body(x)


class TabularResNet(nn.Sequential):
    """The tabular ResNet of `Gorishniy et al. 2021 <https://arxiv.org/abs/2106.11959>`_: a linear stem, residual
    blocks, BN -> ReLU -> Linear head. Two blocks of width 128 here."""

    def __init__(self, dims: int, outputs: int, width: int = 128, blocks: int = 2, dropout: float = 0.1):
        super().__init__(nn.Linear(dims, width), *[ResidualBlock(width, dropout) for _ in range(blocks)],
                         nn.BatchNorm1d(width), nn.ReLU(), nn.Linear(width, outputs))


def score(task: str, pred: np.ndarray, y: np.ndarray) -> float:
    """Accuracy (fraction) or RMSE."""
    if task == 'classification':
        return float((pred == y).mean())
    return float(np.sqrt(((pred - y) ** 2).mean()))


def better(task: str, a: float, b: float) -> bool:
    return a > b if task == 'classification' else a < b


def standardise(data: dict) -> dict:
    """Every column standardised with the train split's mean and std (constant columns: std 1)."""
    x = data['train'][0]
    mean, std = x.mean(0), x.std(0)
    std = np.where(std > 0, std, 1.).astype(np.float32)
    return {k: (((v[0] - mean) / std).astype(np.float32), v[1]) for k, v in data.items()}


def fit_net(kind: str, data: dict, task: str, num_classes: int, seed: int, max_epochs: int, patience: int) -> float:
    """Train an MLP / ResNet on train (AdamW 1e-3, batch 128), keep the best val epoch, return its test score."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    (xtr, ytr), (xva, yva), (xte, yte) = data['train'], data['val'], data['test']
    outputs = num_classes if task == 'classification' else 1
    net = (MLP if kind == 'mlp' else TabularResNet)(xtr.shape[1], outputs)
    optim = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-5)
    if task == 'regression':  # fit the standardised target, score in its units
        mu, sd = float(ytr.mean()), float(ytr.std() or 1.)
        target = torch.from_numpy(((ytr - mu) / sd).astype(np.float32))[:, None]
        loss_fn = nn.MSELoss()
    else:
        mu, sd = 0., 1.
        target = torch.from_numpy(ytr.astype(np.int64))
        loss_fn = nn.CrossEntropyLoss()
    xtr_t = torch.from_numpy(xtr)

    @torch.no_grad()
    def predict(x):
        net.eval()
        out = net(torch.from_numpy(x))
        return out.argmax(1).numpy() if task == 'classification' else out[:, 0].numpy() * sd + mu

    best, best_state, waited = None, None, 0
    for _ in range(max_epochs):
        net.train()
        order = rng.permutation(len(xtr))
        for start in range(0, len(order), 128):
            idx = order[start:start + 128]
            if len(idx) < 2:  # BatchNorm needs two rows
                continue
            optim.zero_grad()
            loss_fn(net(xtr_t[idx]), target[idx]).backward()
            optim.step()
        val = score(task, predict(xva), yva)
        if best is None or better(task, val, best):
            best, best_state, waited = val, copy.deepcopy(net.state_dict()), 0
        else:
            waited += 1
            if waited >= patience:
                break
    net.load_state_dict(best_state)
    return score(task, predict(xte), yte)


def fit_xgboost(data: dict, task: str, seed: int) -> float:
    from mmjepa.utils.extras import MissingExtraError, require
    try:
        xgb = require('xgboost', 'tabular', 'tabular_eval.py --models xgboost')
    except MissingExtraError as exc:
        raise SystemExit(f'{exc}; or leave xgboost out of --models') from None
    (xtr, ytr), (xva, yva), (xte, yte) = data['train'], data['val'], data['test']
    common = dict(n_estimators=300, learning_rate=0.05, max_depth=6, subsample=0.8, colsample_bytree=0.8,
                  early_stopping_rounds=30, random_state=seed, n_jobs=1, tree_method='hist')
    model = xgb.XGBClassifier(**common) if task == 'classification' else xgb.XGBRegressor(**common)
    model.fit(xtr, ytr, eval_set=[(xva, yva)], verbose=False)
    return score(task, model.predict(xte), yte)


def summarize(values: List[float]) -> dict:
    from mmjepa.evaluation.stats import mean_std_se
    mean, std, se = mean_std_se(values, single_std=0.)
    return dict(mean=mean, std=std, se=se, n=len(values))


INPUT_TITLES = dict(raw='raw features', random='random-init tokens', tjepa='T-JEPA tokens')


def to_markdown(result: dict) -> str:
    metric = 'accuracy' if result['task'] == 'classification' else 'RMSE (lower is better)'
    lines = [f'Table `{result["table"]}` ({result["num_rows"]["train"]} / {result["num_rows"]["val"]} / '
             f'{result["num_rows"]["test"]} train / val / test rows), test {metric}, mean +- std (std err) over '
             f'{result["seeds"]} seeds; checkpoint `{result["checkpoint"]}`', '',
             '| model | ' + ' | '.join(INPUT_TITLES[i] for i in result['inputs']) + ' |',
             '|---|' + '---|' * len(result['inputs'])]
    for model in result['models']:
        cells = []
        for inputs in result['inputs']:
            s = result['summary'].get(f'{inputs}+{model}')
            cells.append(f'{s["mean"]:.4f} +- {s["std"]:.4f} ({s["se"]:.4f})' if s else '–')
        lines.append(f'| {model} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def main(argv=None):
    args = parse_args(argv)
    import mmjepa  # noqa: F401
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    from mmjepa.utils.logging import init_weights_quietly
    from mmjepa.utils.provenance import TRANSFER_KEY, read_provenance

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    start = time.time()
    splits = load_splits(cfg, args.table_root)
    train = splits['train']
    task, num_classes = train.schema.task, len(train.stats.get('classes') or [])
    raw = {name: ds.arrays() for name, ds in splits.items()}
    inputs = {}
    for name in args.inputs:
        if name == 'raw':
            inputs['raw'] = standardise(raw)
            continue
        from mmengine.logging import MessageHub
        MessageHub.get_current_instance().update_info('max_iters', 1)  # the EMA schedule asks; unused here
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        init_weights_quietly(model)
        checkpoint = None if args.checkpoint == 'none' or name == 'random' else args.checkpoint
        if checkpoint:
            ckpt = torch.load(checkpoint, map_location='cpu', weights_only=False)
            model.load_state_dict(ckpt.get('state_dict', ckpt), strict=True)
        model.eval()
        encoder = model.encoder_to_evaluate() if args.encoder == 'target' else model.backbone
        inputs[name] = standardise({split: (embed(encoder, x), y) for split, (x, y) in raw.items()})
    runs = []
    for seed in range(args.seeds):
        for name, data in inputs.items():
            for kind in args.models:
                value = fit_xgboost(data, task, seed) if kind == 'xgboost' else \
                    fit_net(kind, data, task, num_classes, seed, args.max_epochs, args.patience)
                runs.append(dict(inputs=name, model=kind, seed=seed, value=value))
                print(f'[tabular_eval] seed {seed} {name}+{kind}: {value:.4f}', flush=True)
    summary = {f'{i}+{m}': summarize([r['value'] for r in runs if r['inputs'] == i and r['model'] == m])
               for i in inputs for m in args.models}
    table = osp.basename(osp.normpath(args.table_root or dataset_cfg(cfg)['data_root']))
    metric = 'accuracy' if task == 'classification' else 'rmse'
    result = dict(config=args.config, checkpoint=args.checkpoint, encoder=args.encoder, table=table, task=task,
                  metric=metric, seeds=args.seeds, models=args.models, inputs=list(inputs),
                  num_rows={k: len(v) for k, v in splits.items()},
                  input_dims={k: int(v['train'][0].shape[1]) for k, v in inputs.items()},
                  benchmark_meta=dict(cfg.get('benchmark_meta', {}), task='tabular', table=table, dataset=table,
                                      metric=metric),
                  metrics={f'{k}/{metric}': v['mean'] for k, v in summary.items()},
                  summary=summary, runs=runs, seconds=round(time.time() - start, 1))
    result[TRANSFER_KEY] = read_provenance(None if args.checkpoint == 'none' else args.checkpoint)
    out_dir = args.out_dir or (osp.dirname(osp.abspath(args.checkpoint)) if args.checkpoint != 'none' else '.')
    os.makedirs(out_dir, exist_ok=True)
    with open(osp.join(out_dir, 'tabular_eval.json'), 'w') as f:
        json.dump(result, f, indent=2)
    markdown = to_markdown(result)
    with open(osp.join(out_dir, 'tabular_eval.md'), 'w') as f:
        f.write(markdown)
    print(markdown + f'[tabular_eval] {result["seconds"]}s; results in {out_dir}/tabular_eval.json', flush=True)
    return result


if __name__ == '__main__':
    main()
