# Copyright (c) mmjepa contributors. All rights reserved.
"""Convert an official T-JEPA checkpoint (jose-melo/t-jepa, ``checkpoints/<dataset>/<job>/*.pth``) to mmjepa.

Usage::

    python tools/model_converters/tjepa_to_mmjepa.py SRC DST [--cls-token {register,sequence}]
        [--backbone-only] [--encoder {target,context}] [--data jannis]

``--cls-token register`` (default) fits the default configs (the official ``[CLS]`` token becomes the
encoder's register token), ``sequence`` the ``_official-index`` configs. Without ``--backbone-only`` DST is a
full :class:`TJEPA` checkpoint for ``load_from``; with it, ``backbone.*`` only (for
``init_cfg=dict(type='Pretrained', checkpoint=DST, prefix='backbone.')``). SRC is loaded with
``weights_only=True``; every tensor is converted or dropped by name (the list is printed).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa
from mmjepa.converters import convert_tjepa_checkpoint  # noqa: E402
from mmjepa.converters.io import load_source, save_atomic  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Convert an official T-JEPA checkpoint to mmjepa')
    parser.add_argument('src', help='official T-JEPA checkpoint (.pth)')
    parser.add_argument('dst', help='output mmjepa checkpoint')
    parser.add_argument('--cls-token', choices=('register', 'sequence'), default='register',
                        help='register: the default configs; sequence: the _official-index configs')
    parser.add_argument('--backbone-only', action='store_true', help='write only backbone.* (one encoder)')
    parser.add_argument('--encoder', choices=('target', 'context'), default='target',
                        help='encoder of a backbone-only checkpoint (default: target, the EMA encoder)')
    parser.add_argument('--data', help="the source's pretraining table (e.g. jannis), for meta['provenance']")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    ckpt = load_source(args.src, expected='an official T-JEPA checkpoint (context_encoder, target_encoder, ...)')
    out = convert_tjepa_checkpoint(ckpt, cls_token=args.cls_token, backbone_only=args.backbone_only,
                                   encoder=args.encoder, data=args.data)
    save_atomic(out, args.dst)
    meta = out['meta']
    print(f'Wrote {args.dst} ({len(out["state_dict"])} tensors, cls token as {args.cls_token}) from the official '
          f'T-JEPA checkpoint (epoch {meta["epoch"]})')
    print(f'  dropped by name: {", ".join(meta["dropped"]) or "nothing"}')
    print(f'  training state not converted: {", ".join(meta["dropped_training_state"]) or "none"}')


if __name__ == '__main__':
    main()
