# Copyright (c) mmjepa contributors. All rights reserved.
"""Convert an official SAR-JEPA pretraining checkpoint (waterdisappear/SAR-JEPA, ``checkpoint-*.pth``) to mmjepa.

Usage::

    python tools/model_converters/sarjepa_to_mmjepa.py SRC DST [--backbone-only] [--data NAME]
        [--radii 5 9 13 17]

Without ``--backbone-only`` DST is a full :class:`SARJEPA` pretraining checkpoint (``backbone.``, ``predictor.``)
for ``load_from``; with it, DST holds ``backbone.*`` only, for ``init_cfg=dict(type='Pretrained', checkpoint=DST,
prefix='backbone.')``. The official cls token becomes the backbone's one register token (``num_register_tokens=1``,
as ``configs/_base_/models/sarjepa_vit-base-p16.py``). SRC is loaded with ``weights_only=True``; the official
files also hold the training arguments (an ``argparse.Namespace`` of plain values), which is allowed.
"""
import argparse
import os.path as osp
import sys

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa
from mmjepa.converters import convert_sarjepa_checkpoint  # noqa: E402
from mmjepa.converters.io import load_source, print_part_counts, save_atomic  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Convert an official SAR-JEPA checkpoint to mmjepa')
    parser.add_argument('src', help='official SAR-JEPA pretraining checkpoint (checkpoint-*.pth)')
    parser.add_argument('dst', help='output mmjepa checkpoint')
    parser.add_argument('--backbone-only', action='store_true', help='write only backbone.* (the online encoder)')
    parser.add_argument('--data', help="the source's pretraining data, recorded in DST's meta['provenance']")
    parser.add_argument('--radii', type=int, nargs='+', default=[5, 9, 13, 17],
                        help='operator radii of the mmjepa config (checked against the source kernels)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    with torch.serialization.safe_globals([argparse.Namespace]):
        ckpt = load_source(args.src, expected='an official SAR-JEPA checkpoint (checkpoint-*.pth)')
    out = convert_sarjepa_checkpoint(ckpt, backbone_only=args.backbone_only, data=args.data, radii=args.radii)
    save_atomic(out, args.dst)
    meta = out['meta']
    print(f'Wrote {args.dst} from the official SAR-JEPA checkpoint (epoch {meta["epoch"]}); operator radii '
          f'{meta["operator_radii"]}; dropped {meta["dropped"]} (the fixed operator kernels)')
    print_part_counts(out['state_dict'])
    print(f'  provenance: {meta["provenance"]}')


if __name__ == '__main__':
    main()
