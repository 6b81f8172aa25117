# Copyright (c) mmjepa contributors. All rights reserved.
"""Export the encoder of an mmjepa checkpoint as a backbone checkpoint for mmpretrain, mmseg, mmdet or timm.

Usage::

    python tools/model_converters/mmjepa_to_backbone.py SRC DST --format {mmpretrain,mmseg,mmdet,timm} \\
        [--encoder {target,context}]

SRC is an mmjepa pretraining checkpoint (the EMA target encoder is exported unless ``--encoder context``) or a
backbone-only one (``ijepa_to_mmjepa.py --backbone-only``); it is loaded with ``weights_only=True``. DST is
``{'state_dict': ..., 'meta': {'format', 'encoder', 'source', 'arch', ...}}``; the key conventions of each
format are in :mod:`mmjepa.converters.export`.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa
from mmjepa.converters import FORMATS, export_backbone  # noqa: E402
from mmjepa.converters.export import EXPECTED  # noqa: E402
from mmjepa.converters.io import load_source, save_atomic  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Export an mmjepa encoder as a backbone checkpoint')
    parser.add_argument('src', help='mmjepa pretraining checkpoint (or a backbone-only one)')
    parser.add_argument('dst', help='output backbone checkpoint')
    parser.add_argument('--format', required=True, choices=FORMATS, help='library that will load DST')
    parser.add_argument('--encoder', choices=('target', 'context'), default=None,
                        help='encoder of a pretraining checkpoint (default: target, the EMA encoder); '
                        'not for a backbone-only SRC')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        out = export_backbone(load_source(args.src, EXPECTED), args.format, encoder=args.encoder, source=args.src)
    except (FileNotFoundError, ValueError) as err:
        raise SystemExit(f'mmjepa_to_backbone: {args.src}: {err}')
    save_atomic(out, args.dst)
    meta, state_dict = out['meta'], out['state_dict']
    dropped = sum(meta['dropped'].values())
    print(f'Wrote {args.dst} ({meta["format"]}, {meta["encoder"]} encoder): {len(state_dict)} tensors, '
          f'{sum(v.numel() for v in state_dict.values()):,} parameters; {dropped} source tensors not exported')


if __name__ == '__main__':
    main()
