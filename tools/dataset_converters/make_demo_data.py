# Copyright (c) mmjepa contributors. All rights reserved.
"""Generate the embedded demo data (synthetic shapes, no download) under ``<out>/imagenet``.

Example::

    python tools/dataset_converters/make_demo_data.py --out data/demo

The set is skipped when ``<out>/imagenet/settings.json`` records the same settings, and regenerated
otherwise, into a temporary folder renamed into place at the end (an interrupted run leaves no half set).
"""
import argparse
import importlib.util
import json
import os
import os.path as osp
import shutil
import sys
import tempfile
import time

SETTINGS_FILE = 'settings.json'
FORMAT_VERSION = 2  # bump when the generator's output changes, so old sets are regenerated


def load_demo_data():
    """The demo-data module, loaded from this checkout by path when possible (it needs only numpy and
    Pillow, so the heavy ``mmjepa`` package import is skipped), else from the installed package."""
    path = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'mmjepa', 'datasets', 'demo_data.py')
    if osp.isfile(path):
        name = 'mmjepa_demo_data'
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up here
        spec.loader.exec_module(module)
        return module
    from mmjepa.datasets import demo_data
    return demo_data


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Generate the synthetic demo classification set')
    parser.add_argument('--out', default='data/demo', help='output root; the set goes to <out>/imagenet')
    parser.add_argument('--image-size', type=int, default=64)
    parser.add_argument('--train-per-class', type=int, default=150)
    parser.add_argument('--val-per-class', type=int, default=40)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    demo_data = load_demo_data()
    target = osp.join(args.out, 'imagenet')
    settings = dict(format_version=FORMAT_VERSION, image_size=args.image_size,
                    train_per_class=args.train_per_class, val_per_class=args.val_per_class, seed=args.seed,
                    classes=list(demo_data.CLASSES))
    settings_path = osp.join(target, SETTINGS_FILE)
    if osp.isfile(settings_path):
        try:
            with open(settings_path) as f:
                existing = json.load(f)
        except (OSError, ValueError):
            existing = None
        if existing == settings:
            print(f'{target} already holds the demo set with these settings '
                  f'({args.train_per_class}/{args.val_per_class} train/val images per class); skipping')
            return target

    os.makedirs(args.out, exist_ok=True)
    start = time.time()
    tmp = tempfile.mkdtemp(prefix='.imagenet.tmp-', dir=args.out)
    os.chmod(tmp, 0o755)
    try:
        summary = demo_data.write_classification_set(
            tmp, args.train_per_class, args.val_per_class, image_size=args.image_size, seed=args.seed)
        with open(osp.join(tmp, SETTINGS_FILE), 'w') as f:
            json.dump(settings, f, indent=2)
        old = None
        if osp.exists(target):  # move the old set aside first: the swap itself is two renames
            old = tempfile.mkdtemp(prefix='.imagenet.old-', dir=args.out)
            os.rename(target, osp.join(old, 'imagenet'))
        os.rename(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f'Wrote {summary["num_train"]} train and {summary["num_val"]} val images '
          f'({len(demo_data.CLASSES)} classes, {args.image_size}x{args.image_size}, seed {args.seed}) '
          f'to {target} in {time.time() - start:.1f}s')
    return target


if __name__ == '__main__':
    main()
