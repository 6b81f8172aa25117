# Copyright (c) mmjepa contributors. All rights reserved.
"""Convert an official I-JEPA, timm-style or Hugging Face (transformers ``IJepaModel``) checkpoint to mmjepa.

Usage::

    python tools/model_converters/ijepa_to_mmjepa.py SRC DST [--backbone-only] [--encoder {target,context}]
        [--data ImageNet-1k]
    python tools/model_converters/ijepa_to_mmjepa.py model.safetensors DST  # or pytorch_model.bin, from the Hub

Without ``--backbone-only`` DST is a full pretraining checkpoint (``backbone.``, ``target_generator.encoder.``,
``predictor.``) for ``load_from``; with it, DST holds ``backbone.*`` only (the target encoder unless
``--encoder context``), for ``init_cfg=dict(type='Pretrained', checkpoint=DST, prefix='backbone.')``.
SRC is loaded with ``weights_only=True`` (or with the ``safetensors`` package): a file that carries code is refused.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa
from mmjepa.converters import convert_ijepa_checkpoint  # noqa: E402
from mmjepa.converters.ijepa import describe_encoder  # noqa: E402
from mmjepa.converters.io import load_source, print_part_counts, save_atomic  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Convert an I-JEPA checkpoint to mmjepa')
    parser.add_argument('src', help='official I-JEPA checkpoint (.pth.tar), timm-style state dict, or a Hugging Face '
                        'IJepaModel file (model.safetensors, pytorch_model.bin)')
    parser.add_argument('dst', help='output mmjepa checkpoint')
    parser.add_argument('--backbone-only', action='store_true', help='write only backbone.* (one encoder)')
    parser.add_argument('--encoder', choices=('target', 'context'), default='target',
                        help='encoder of a backbone-only checkpoint (default: target, the EMA encoder)')
    parser.add_argument('--data', help="the source's pretraining data, e.g. ImageNet-1k or ImageNet-22k, recorded "
                        "in DST's meta['provenance'] with the algorithm, arch and epochs (for the leaderboard)")
    return parser.parse_args(argv)


def hub_config_notes(src: str) -> list:
    """Lines on the transformers ``config.json`` beside ``src`` (a Hub snapshot has one): what the weights
    do not say (the heads) and any setting with which :class:`JEPAViT` would compute other features."""
    path = osp.join(osp.dirname(osp.abspath(src)), 'config.json')
    try:
        with open(path) as f:
            cfg = json.load(f)
    except (OSError, ValueError):
        return []
    if not isinstance(cfg, dict) or cfg.get('model_type') != 'ijepa':
        return []
    notes = [f'{path}: num_heads={cfg.get("num_attention_heads")}, image_size={cfg.get("image_size")}, '
             f'patch_size={cfg.get("patch_size")}']
    eps = cfg.get('layer_norm_eps', 1e-12)  # IJepaConfig's default
    if eps != 1e-6:
        notes.append(f'WARNING: layer_norm_eps={eps}, JEPAViT uses 1e-6: for the same features set '
                     f"model.backbone.norm_cfg=dict(type='LN', eps={eps})")
    if cfg.get('hidden_act', 'gelu') != 'gelu':
        notes.append(f'WARNING: hidden_act={cfg["hidden_act"]!r}, JEPAViT uses exact GELU')
    return notes


def main(argv=None):
    args = parse_args(argv)
    # memory-mapped: the optimizer moments (most of an official file) are never read
    ckpt = load_source(args.src, expected='an official I-JEPA checkpoint (.pth.tar), a timm-style state dict or a '
                       'Hugging Face IJepaModel file (model.safetensors, pytorch_model.bin)')
    out = convert_ijepa_checkpoint(ckpt, backbone_only=args.backbone_only, encoder=args.encoder,
                                   data=args.data)
    save_atomic(out, args.dst)
    meta = out['meta']
    if meta['encoder'] == 'single':
        roles = 'the single encoder of the source in every role'
    elif args.backbone_only:
        roles = f'backbone = {meta["encoder"]} encoder'
    else:
        roles = 'backbone = context encoder, target_generator.encoder = target encoder'
    print(f'Wrote {args.dst} from the {meta["source_format"]}-format checkpoint (epoch {meta["epoch"]}): {roles}')
    print_part_counts(out['state_dict'])
    arch = describe_encoder({k[len('backbone.'):]: v for k, v in out['state_dict'].items()
                             if k.startswith('backbone.')})
    if arch:
        print(f'  backbone: JEPAViT {arch}')
    if meta['left_out']:
        print(f'  left out (no place in JEPAViT): {", ".join(meta["left_out"])}')
    if meta['source_format'] == 'transformers':
        for note in hub_config_notes(args.src):
            print(f'  {note}')
    print(f'  provenance: {meta["provenance"]}')
    if not args.backbone_only and not meta['has_predictor']:
        print('  no predictor in the source: predictor.* keeps its initialisation when loaded')


if __name__ == '__main__':
    main()
