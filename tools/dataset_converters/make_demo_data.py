# Copyright (c) mmjepa contributors. All rights reserved.
"""Generate the embedded demo data (synthetic, no download): ``<out>/imagenet`` (classification,
CustomDataset layout), ``<out>/ade`` (ADE20K layout), ``<out>/coco`` (COCO instances JSON) and ``<out>/sar``
(single-channel SAR-like classification with speckle, CustomDataset layout, for SAR-JEPA) from shapes, and, on
request, ``<out>/ptbxl`` (12-lead ECGs simulated with neurokit2, PTB-XL layout; about 0.7 s per record) and
``<out>/tabular`` (real tables that ship with scikit-learn, CSV + JSON schema each, for T-JEPA).
``<out>/objects3d`` (coloured polyhedra rendered under known 3-D rotations, 3DIEBench layout, for seq-JEPA) and
``<out>/kitti`` (LiDAR scans of cars, pedestrians and cyclists in the raw KITTI object layout with mmdet3d's info
files, for AD-L-JEPA and the demo PointPillars detectors; needs mmdet3d).

Example::

    python tools/dataset_converters/make_demo_data.py --out data/demo
    python tools/dataset_converters/make_demo_data.py --out data/demo --sets ptbxl
    python tools/dataset_converters/make_demo_data.py --out data/demo --sets tabular
    python tools/dataset_converters/make_demo_data.py --out data/demo --sets objects3d
    python tools/dataset_converters/make_demo_data.py --out data/demo --sets kitti

Each set is skipped when its ``settings.json`` records the same settings, and regenerated
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
FORMAT_VERSION = 5  # bump when the generator's output changes, so old sets are regenerated
SETS = ('imagenet', 'ade', 'coco', 'sar')


def load_demo_data():
    """The ``mmjepa.datasets.demo`` package, loaded from this checkout by path when possible (it needs only
    numpy and Pillow, so the heavy ``mmjepa`` package import is skipped), else from the installed package."""
    folder = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'mmjepa', 'datasets', 'demo')
    init = osp.join(folder, '__init__.py')
    if osp.isfile(init):
        name = 'mmjepa_demo_data'
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[folder])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # the relative imports and dataclasses look the package up here
        spec.loader.exec_module(module)
        return module
    from mmjepa.datasets import demo
    return demo


def load_module(relative_path: str, name: str, package: str, attribute: str):
    """``mmjepa/<relative_path>`` (a generator that needs numpy and its own few packages only), loaded from this
    checkout by path when possible, so that the heavy ``mmjepa`` import is skipped; else ``package.attribute``
    of the installed mmjepa."""
    path = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'mmjepa', relative_path)
    if osp.isfile(path):
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return getattr(importlib.import_module(package), attribute)


def progress(args):
    """``track(items, total, desc)`` with a bar and the ETA (mmjepa/utils/progress.py, loaded like the generators),
    silent under ``--quiet``."""
    track = load_module(osp.join('utils', 'progress.py'), 'mmjepa_progress', 'mmjepa.utils', 'progress').track
    return lambda items, total=None, desc='': track(items, total, desc, quiet=args.quiet)


def load_ecg_demo():
    """``mmjepa/datasets/ecg/demo.py`` (numpy, scipy, pandas, wfdb and neurokit2 only)."""
    return load_module(osp.join('datasets', 'ecg', 'demo.py'), 'mmjepa_ecg_demo_data', 'mmjepa.datasets.ecg', 'demo')


def load_tabular_demo():
    """``mmjepa/datasets/tabular/demo.py`` (numpy, pandas and scikit-learn only)."""
    return load_module(osp.join('datasets', 'tabular', 'demo.py'), 'mmjepa_tabular_demo_data',
                       'mmjepa.datasets.tabular', 'demo')


def load_kitti_demo():
    """``mmjepa/datasets/demo/kitti.py`` (numpy and Pillow only)."""
    return load_module(osp.join('datasets', 'demo', 'kitti.py'), 'mmjepa_kitti_demo_data', 'mmjepa.datasets.demo',
                       'kitti')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Generate the synthetic demo classification set')
    parser.add_argument('--out', default='data/demo', help='output root; the set goes to <out>/imagenet')
    parser.add_argument('--image-size', type=int, default=64)
    parser.add_argument('--train-per-class', type=int, default=200)
    parser.add_argument('--val-per-class', type=int, default=250)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--sets', nargs='+', choices=SETS + ('ptbxl', 'tabular', 'objects3d', 'kitti'),
                        default=list(SETS),
                        help='sets to write (default: the image sets; ptbxl, the ECG set, '
                             'only when named: it needs neurokit2 and wfdb; tabular, the scikit-learn tables, '
                             'objects3d, the 3DIEBench-layout rotation set of seq-JEPA, and kitti, the LiDAR set of '
                             'AD-L-JEPA (needs mmdet3d), only when named)')
    parser.add_argument('--dense-train', type=int, default=400, help='train scenes of the ADE20K / COCO sets')
    parser.add_argument('--dense-val', type=int, default=100, help='val scenes of the ADE20K / COCO sets')
    parser.add_argument('--sar-train-per-class', type=int, default=200, help='train images per class of the SAR set')
    parser.add_argument('--sar-val-per-class', type=int, default=100, help='val images per class of the SAR set')
    parser.add_argument('--sar-display', choices=['sqrt', 'log'], default='sqrt',
                        help="the SAR set's uint8 mapping: linear amplitude ('sqrt') or dB ('log')")
    parser.add_argument('--ptbxl-records', type=int, default=400,
                        help='records of the PTB-XL-layout ECG set (folds 1-10 in turn)')
    parser.add_argument('--objects-train-per-class', type=int, default=100,
                        help='train objects per class of the objects3d set')
    parser.add_argument('--objects-val-per-class', type=int, default=40, help='val objects per class of objects3d')
    parser.add_argument('--objects-views', type=int, default=12, help='rendered views per object of objects3d')
    parser.add_argument('--objects-image-size', type=int, default=32, help='view size of objects3d')
    parser.add_argument('--kitti-train', type=int, default=200, help='training scans of the kitti set')
    parser.add_argument('--kitti-val', type=int, default=60, help='validation scans of the kitti set')
    parser.add_argument('--quiet', action='store_true', help='no progress bars for the long sets (ptbxl, kitti)')
    return parser.parse_args(argv)


def write_set(out: str, name: str, settings: dict, write, describe) -> str:
    """Write ``<out>/<name>`` with ``write(tmp_dir) -> summary`` unless it holds the same ``settings``."""
    target = osp.join(out, name)
    settings_path = osp.join(target, SETTINGS_FILE)
    if osp.isfile(settings_path):
        try:
            with open(settings_path) as f:
                existing = json.load(f)
        except (OSError, ValueError):
            existing = None
        if existing == settings:
            print(f'{target} already holds the demo set with these settings; skipping')
            return target

    os.makedirs(out, exist_ok=True)
    start = time.time()
    tmp = tempfile.mkdtemp(prefix=f'.{name}.tmp-', dir=out)
    os.chmod(tmp, 0o755)
    try:
        summary = write(tmp)
        with open(osp.join(tmp, SETTINGS_FILE), 'w') as f:
            json.dump(settings, f, indent=2)
        old = None
        if osp.exists(target):  # move the old set aside first: the swap itself is two renames
            old = tempfile.mkdtemp(prefix=f'.{name}.old-', dir=out)
            os.rename(target, osp.join(old, name))
        os.rename(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f'{describe(summary)} to {target} in {time.time() - start:.1f}s')
    return target


def main(argv=None):
    args = parse_args(argv)
    demo_data = load_demo_data()
    common = dict(format_version=FORMAT_VERSION, image_size=args.image_size, seed=args.seed,
                  classes=list(demo_data.CLASSES))
    size = f'{args.image_size}x{args.image_size}, seed {args.seed}'
    target = osp.join(args.out, 'imagenet')
    if 'imagenet' in args.sets:
        write_set(
            args.out, 'imagenet', dict(common, train_per_class=args.train_per_class, val_per_class=args.val_per_class),
            lambda d: demo_data.write_classification_set(d, args.train_per_class, args.val_per_class,
                                                         image_size=args.image_size, seed=args.seed),
            lambda s: f'Wrote {s["num_train"]} train and {s["num_val"]} val images ({len(demo_data.CLASSES)} classes, '
                      f'{size})')
    if 'ade' in args.sets:
        write_set(
            args.out, 'ade', dict(common, num_train=args.dense_train, num_val=args.dense_val, layout='ade20k'),
            lambda d: demo_data.write_segmentation_set(d, args.dense_train, args.dense_val,
                                                       image_size=args.image_size, seed=args.seed),
            lambda s: f'Wrote {s["num_train"]} train and {s["num_val"]} val ADE20K-layout scenes ({size})')
    if 'coco' in args.sets:
        write_set(
            args.out, 'coco', dict(common, num_train=args.dense_train, num_val=args.dense_val, layout='coco'),
            lambda d: demo_data.write_coco_set(d, args.dense_train, args.dense_val,
                                               image_size=args.image_size, seed=args.seed),
            lambda s: f'Wrote {s["num_train"]} train and {s["num_val"]} val COCO-format scenes '
                      f'({s["num_train_instances"]}/{s["num_val_instances"]} instances, {size})')
    if 'sar' in args.sets:
        write_set(
            args.out, 'sar', dict(common, train_per_class=args.sar_train_per_class,
                                  val_per_class=args.sar_val_per_class, layout='sar', channels=1,
                                  looks=list(demo_data.sar.LOOKS), display=args.sar_display),
            lambda d: demo_data.write_sar_set(d, args.sar_train_per_class, args.sar_val_per_class,
                                              image_size=args.image_size, seed=args.seed, mode=args.sar_display),
            lambda s: f'Wrote {s["num_train"]} train and {s["num_val"]} val single-channel SAR-like images '
                      f'({len(demo_data.CLASSES)} classes, looks {s["looks_range"][0]:g}-{s["looks_range"][1]:g}, '
                      f'{s["mode"]} display, {size})')
    if 'ptbxl' in args.sets:
        ecg_demo = load_ecg_demo()
        write_set(
            args.out, 'ptbxl',
            dict(format_version=FORMAT_VERSION, ecg_format_version=ecg_demo.FORMAT_VERSION, seed=args.seed,
                 num_records=args.ptbxl_records, layout='ptbxl'),
            lambda d: ecg_demo.write_ptbxl_demo(d, args.ptbxl_records, seed=args.seed, track=progress(args)),
            lambda s: f'Wrote {s["num_records"]} PTB-XL-layout ECG records ({s["seconds_per_record"]:.2f} s per '
                      f'record; statements {s["codes"]}, seed {args.seed})')
    if 'tabular' in args.sets:
        tabular = load_tabular_demo()
        import sklearn
        write_set(
            args.out, 'tabular',
            dict(format_version=FORMAT_VERSION, seed=args.seed, sets=list(tabular.SKLEARN_SETS),
                 splits=[list(s) for s in tabular.SPLITS], sklearn=sklearn.__version__, layout='csv+schema'),
            lambda d: [tabular.write_sklearn_table(d, name, seed=args.seed) for name in tabular.SKLEARN_SETS],
            lambda s: 'Wrote scikit-learn tables ' + ', '.join(
                f'{t["name"]} ({t["rows"]} rows, {t["numeric"]} numeric + {t["categorical"]} categorical, '
                f'{t["task"]})' for t in s))
    if 'objects3d' in args.sets:
        write_set(
            args.out, 'objects3d',
            dict(format_version=FORMAT_VERSION, seed=args.seed, layout='3diebench',
                 classes=list(demo_data.OBJECT_CLASSES), train_per_class=args.objects_train_per_class,
                 val_per_class=args.objects_val_per_class, views_per_object=args.objects_views,
                 image_size=args.objects_image_size),
            lambda d: demo_data.write_objects3d_set(d, args.objects_train_per_class, args.objects_val_per_class,
                                                    args.objects_views, args.objects_image_size, seed=args.seed),
            lambda s: f'Wrote {s["num_train"]} train and {s["num_val"]} val objects x {s["views_per_object"]} '
                      f'rotated views ({len(s["classes"])} classes, {args.objects_image_size} px, seed {args.seed})')
    if 'kitti' in args.sets:
        kitti = load_kitti_demo()
        write_set(
            args.out, 'kitti',
            dict(format_version=FORMAT_VERSION, kitti_format_version=kitti.FORMAT_VERSION, seed=args.seed,
                 num_train=args.kitti_train, num_val=args.kitti_val, layout='kitti+mmdet3d-infos'),
            lambda d: write_kitti_with_infos(kitti, d, args.kitti_train, args.kitti_val, args.seed, progress(args)),
            lambda s: f'Wrote {s["num_train"]} train, {s["num_val"]} val and {s["num_test"]} test KITTI-layout LiDAR '
                      f'scans ({s["mean_points"]:.0f} points each on average; {s["objects"]}) with mmdet3d\'s infos')
    return target


def write_kitti_with_infos(kitti, root: str, num_train: int, num_val: int, seed: int, track=None) -> dict:
    """The raw KITTI-layout scans, then mmdet3d's info files of them (its own converter)."""
    summary = kitti.write_kitti_set(root, num_train, num_val, seed=seed, track=track)
    sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))
    from mmjepa.det3d.kitti_infos import create_kitti_infos  # mmjepa first: its shims precede mmdet3d's import
    create_kitti_infos(root)
    return summary


if __name__ == '__main__':
    main()
