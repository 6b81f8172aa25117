# Copyright (c) mmjepa contributors. All rights reserved.
"""Convert an official DMT-JEPA checkpoint to mmjepa.

Usage::

    python tools/model_converters/dmtjepa_to_mmjepa.py SRC DST [--backbone-only] [--encoder {target,context}]
        [--data ImageNet-1k]

The official files have the I-JEPA format; without ``--backbone-only`` DST is a full :class:`DMTJEPA`
pretraining checkpoint (``backbone.``, ``target_generator.encoder.``, ``predictor.`` and, when the source
has them, the aggregation heads ``agg_head.`` / ``target_generator.agg_head.``) for ``load_from``; with it,
DST holds ``backbone.*`` only, for ``init_cfg=dict(type='Pretrained', checkpoint=DST, prefix='backbone.')``.
The official training script does not save the heads, so converted official files have none: a model
loading them keeps its initialised heads. SRC is loaded with ``weights_only=True``.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from ijepa_to_mmjepa import parse_args  # noqa: E402

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa
from mmjepa.converters import convert_dmtjepa_checkpoint  # noqa: E402
from mmjepa.converters.io import load_source, print_part_counts, save_atomic  # noqa: E402


def main(argv=None):
    args = parse_args(argv)
    ckpt = load_source(args.src, expected='an official DMT-JEPA checkpoint (I-JEPA format, .pth.tar)')
    out = convert_dmtjepa_checkpoint(ckpt, backbone_only=args.backbone_only, encoder=args.encoder, data=args.data)
    save_atomic(out, args.dst)
    meta = out['meta']
    print(f'Wrote {args.dst} from the {meta["source_format"]}-format DMT-JEPA checkpoint (epoch {meta["epoch"]}); '
          f'heads: {meta["heads"]}')
    print_part_counts(out['state_dict'])
    print(f'  provenance: {meta["provenance"]}')
    if not args.backbone_only and meta['heads'] == 'none in the source':
        print('  no aggregation heads in the source (the official code does not save them): agg_head.* and '
              'target_generator.agg_head.* keep their initialisation when loaded')


if __name__ == '__main__':
    main()
