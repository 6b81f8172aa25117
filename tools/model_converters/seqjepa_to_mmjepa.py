# Copyright (c) mmjepa contributors. All rights reserved.
"""Convert an official seq-JEPA checkpoint (hafezgh/seq-jepa; the Hugging Face Hub files ``Hafez/seq-JEPA``) to mmjepa.

Usage::

    python tools/model_converters/seqjepa_to_mmjepa.py SRC DST [--backbone-only] [--data 3DIEBench]

Without ``--backbone-only`` DST is a full :class:`SeqJEPA` checkpoint (``backbone.``, ``target_generator.encoder.``,
``aggregator.``, ``predictor.``) for ``load_from``; with it, DST holds the online ResNet's ``backbone.*`` (the encoder
the official evaluation probes), for ``init_cfg=dict(type='Pretrained', checkpoint=DST, prefix='backbone.')``. The
official probes are dropped and listed. The settings the model config needs (backbone type, action width, ...) are
printed. SRC is loaded with ``weights_only=True``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's mmjepa
from mmjepa.converters import convert_seqjepa_checkpoint  # noqa: E402
from mmjepa.converters.io import load_source, print_part_counts, save_atomic  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Convert an official seq-JEPA checkpoint to mmjepa')
    parser.add_argument('src', help="official checkpoint ({'model': state_dict, 'epoch': ...}) or its state dict")
    parser.add_argument('dst', help='output mmjepa checkpoint')
    parser.add_argument('--backbone-only', action='store_true', help='write only backbone.* (the online ResNet)')
    parser.add_argument('--data', help="the source's pretraining data (e.g. 3DIEBench), recorded in DST's "
                        "meta['provenance']")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    ckpt = load_source(args.src, expected='an official seq-JEPA checkpoint')
    out = convert_seqjepa_checkpoint(ckpt, backbone_only=args.backbone_only, data=args.data)
    save_atomic(out, args.dst)
    meta = out['meta']
    print(f'Wrote {args.dst} from the {meta["source_format"]} seq-JEPA checkpoint (epoch {meta["epoch"]})')
    print_part_counts(out['state_dict'])
    print(f'  dropped (official probes): {len(meta["dropped"])} tensors')
    settings = meta['model']
    print(f"  model settings: backbone type={settings['backbone']}, aggregator action_dims={settings['action_dims']}, "
          f"action_embed_dims={settings['action_embed_dims']}, num_layers={settings['num_layers']}, "
          f"predictor hidden_dims={settings['hidden_dims']}")


if __name__ == '__main__':
    main()
