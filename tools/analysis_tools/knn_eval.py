# Copyright (c) mmjepa contributors. All rights reserved.
"""k-NN top-1 (k=20, cosine, temperature-weighted votes) of a transferred encoder, from a classification
config: the backbone of ``model`` is built and initialised through its ``init_cfg`` (the strict transfer of
the pretraining checkpoint), features are the average-pooled patch tokens of the last block, the train set
(with the test pipeline) is the memory bank, the test set is evaluated. The result records the provenance of
the pretraining checkpoint (``pretrain_provenance``: algorithm, arch, epochs, data, SHA-256) for the leaderboard.

    python tools/analysis_tools/knn_eval.py CONFIG [--checkpoint PRETRAIN.pth] [--prefix P] [--out knn.json]
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import mmjepa  # noqa: E402,F401
from mmjepa.evaluation import knn_top1  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='k-NN evaluation of a transferred (frozen) encoder')
    parser.add_argument('config', help='classification transfer config (e.g. the linear-probe one)')
    parser.add_argument('--checkpoint', help='pretraining checkpoint (overrides model.backbone.init_cfg.checkpoint)')
    parser.add_argument('--prefix', help="init_cfg prefix, e.g. 'backbone.' for the context encoder")
    parser.add_argument('--k', type=int, default=20)
    parser.add_argument('--temperature', type=float, default=0.07)
    parser.add_argument('--out', help='JSON file for the result')
    parser.add_argument('--quiet', action='store_true', help='no progress bars')
    parser.add_argument('--cfg-options', nargs='+', default=[], help='key=value overrides (Python literals)')
    return parser.parse_args(argv)


@torch.no_grad()
def extract(model, loader, desc: str = '', quiet: bool = False):
    from mmjepa.utils.progress import track
    feats, labels = [], []
    for data in track(loader, desc=desc, quiet=quiet):
        data = model.data_preprocessor(data, False)
        out = model.backbone(data['inputs'])[-1]
        feats.append(out.flatten(2).mean(-1) if out.dim() == 4 else out)
        labels.append(torch.cat([ds.gt_label for ds in data['data_samples']]))
    return torch.cat(feats), torch.cat(labels)


def main(argv=None):
    args = parse_args(argv)
    from mmengine.config import Config
    from mmjepa.utils.logging import init_weights_quietly
    from mmjepa.utils.provenance import TRANSFER_KEY, read_provenance, resolve_benchmark_meta
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    from mmpretrain.registry import MODELS

    cfg = Config.fromfile(args.config)
    for item in args.cfg_options:
        key, value = item.split('=', 1)
        try:
            value = eval(value, {})  # noqa: S307  (literals from the command line)
        except Exception:  # noqa: BLE001
            pass
        cfg.merge_from_dict({key: value})
    init = cfg.model.backbone.init_cfg
    if args.checkpoint:
        init.checkpoint = args.checkpoint
    if args.prefix:
        init.prefix = args.prefix
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    start = time.time()
    model = MODELS.build(cfg.model)
    init_weights_quietly(model)
    model.eval()
    test_pipeline = cfg.test_dataloader.dataset.pipeline
    bank_cfg = cfg.train_dataloader.copy()
    bank_cfg.dataset = dict(cfg.train_dataloader.dataset, pipeline=test_pipeline)
    bank_cfg.sampler = dict(type='DefaultSampler', shuffle=False)
    bank_cfg.pop('drop_last', None)
    for dl in (bank_cfg, cfg.test_dataloader):
        dl.setdefault('collate_fn', dict(type='default_collate'))
        dl['persistent_workers'] = False
    train_x, train_y = extract(model, Runner.build_dataloader(bank_cfg), 'k-NN: features of the bank (train)',
                               args.quiet)
    test_x, test_y = extract(model, Runner.build_dataloader(cfg.test_dataloader), 'k-NN: features of the test set',
                             args.quiet)
    top1 = knn_top1(train_x, train_y, test_x, test_y, k=args.k, temperature=args.temperature)
    benchmark_meta, provenance = dict(cfg.get('benchmark_meta', {}), task='knn'), read_provenance(init.checkpoint)
    resolve_benchmark_meta(benchmark_meta, provenance, where=f'k-NN of {init.checkpoint}')  # warns if unknown
    result = {'config': args.config, 'checkpoint': init.checkpoint, 'prefix': init.get('prefix'),
              'benchmark_meta': benchmark_meta, TRANSFER_KEY: provenance, 'k': min(args.k, len(train_x)),
              'temperature': args.temperature, 'num_train': len(train_x), 'num_test': len(test_x),
              'metrics': {'knn/top1': top1}, 'seconds': round(time.time() - start, 1)}
    print(f'[mmjepa] k-NN top-1 (k={result["k"]}): {top1:.2f}% '
          f'({len(train_x)} train / {len(test_x)} test images, {result["seconds"]}s)', flush=True)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
