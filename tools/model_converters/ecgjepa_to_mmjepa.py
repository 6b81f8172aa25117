# Copyright (c) mmjepa contributors. All rights reserved.
"""Convert an official ECG-JEPA checkpoint (kweimann/ECG-JEPA ``pretrain.py``, full or minified) to mmjepa.

Usage::

    python tools/model_converters/ecgjepa_to_mmjepa.py SRC DST [--backbone-only] [--encoder {target,context}]
        [--data ecg-pretrain]

Without ``--backbone-only`` DST is a full :class:`ECGJEPA` checkpoint (``backbone.``,
``target_generator.encoder.`` and, when the source has it, ``predictor.``) for ``load_from``; a minified file
(the released ones: the target encoder only) fills both encoder roles with it. With ``--backbone-only`` DST
holds ``backbone.*`` (the target encoder unless ``--encoder context``), for
``init_cfg=dict(type='Pretrained', checkpoint=DST, prefix='backbone.')``. The position tables, which the
official code does not save, are computed from the checkpoint's ``config``. SRC is loaded with
``weights_only=True``.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from ijepa_to_mmjepa import parse_args  # noqa: E402

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa
from mmjepa.converters import convert_ecgjepa_checkpoint  # noqa: E402
from mmjepa.converters.io import load_source, print_part_counts, save_atomic  # noqa: E402


def main(argv=None):
    args = parse_args(argv)
    ckpt = load_source(args.src, expected="an official ECG-JEPA checkpoint (a dict with 'model' and 'config')")
    out = convert_ecgjepa_checkpoint(ckpt, backbone_only=args.backbone_only, encoder=args.encoder, data=args.data)
    save_atomic(out, args.dst)
    meta = out['meta']
    print(f'Wrote {args.dst} from the official ECG-JEPA checkpoint (step {meta["step"]}): {meta["encoder"]}; '
          f'dropped the training state {meta["dropped"]}')
    print_part_counts(out['state_dict'])
    print(f'  provenance: {meta["provenance"]}')


if __name__ == '__main__':
    main()
