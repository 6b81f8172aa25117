# Copyright (c) mmjepa contributors. All rights reserved.
"""Check that the current Python has what mmjepa needs, each part imported for real, and say how to fix what
is missing. The last step of ``tools/install_deps.sh``; run it on its own after changing an environment:

    python tools/check_install.py
"""
import importlib
import os.path as osp
import sys
import traceback
import warnings

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

FIX_SETUPTOOLS = 'pip install -c requirements/constraints.txt "setuptools<82"'


def check_pkg_resources():
    import pkg_resources  # noqa: F401  (mmengine's Config imports it for mmpretrain::/mmseg::/mmdet:: bases)


def check_mmcv_ops():
    import mmcv
    import mmcv.ops  # noqa: F401  (the compiled ops mmseg and mmdet need)
    if mmcv.__version__ != '2.1.0':
        raise RuntimeError(f'mmcv {mmcv.__version__} is installed; mmdet 3.3 and mmseg 1.2 need 2.1.0')


def check_config_bases():
    from mmengine.config import Config
    Config.fromfile(osp.join(ROOT, 'configs', 'benchmarks', 'classification', 'imagenet',
                             'vit-base-p16_ijepa-pre_8xb128-coslr-100e_in1k.py'))


def check_mmdet3d():
    import numpy
    import mmjepa  # noqa: F401  (first: its compatibility shims must be in place before mmdet3d imports)
    for name in ('mmdet3d.models', 'mmdet3d.datasets', 'mmdet3d.evaluation', 'mmjepa.det3d'):
        importlib.import_module(name)
    if int(numpy.__version__.split('.')[0]) < 2:
        raise RuntimeError(f'numpy {numpy.__version__}: a declared requirement of mmdet3d or nuscenes-devkit '
                           'replaced numpy 2; reinstall them with --no-deps')


CHECKS = [
    ('pkg_resources (setuptools<82)', check_pkg_resources, FIX_SETUPTOOLS),
    ('torch', lambda: importlib.import_module('torch'), 'bash tools/install_deps.sh'),
    ('torchvision', lambda: importlib.import_module('torchvision'), 'bash tools/install_deps.sh'),
    ('mmcv 2.1.0 with compiled ops', check_mmcv_ops, 'bash tools/install_deps.sh (builds mmcv from source)'),
    ('mmjepa.models (and mmpretrain.models)', lambda: importlib.import_module('mmjepa.models'),
     'bash tools/install_deps.sh'),
    ('mmseg', lambda: importlib.import_module('mmseg.models'), 'bash tools/install_deps.sh'),
    ('mmdet', lambda: importlib.import_module('mmdet.models'), 'bash tools/install_deps.sh'),
    ('mmdet3d 1.4.0 (AD-L-JEPA) with numpy 2', check_mmdet3d, 'bash tools/install_deps.sh (mmdet3d step)'),
    ('configs with mmpretrain:: bases', check_config_bases, FIX_SETUPTOOLS),
]


def main() -> int:
    warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
    failed = []
    for name, check, fix in CHECKS:
        try:
            check()
        except Exception as error:  # report every failure, then exit non-zero
            line = traceback.format_exception_only(type(error), error)[-1].strip()
            print(f'[check] FAILED {name}: {line}\n        fix: {fix}', file=sys.stderr)
            failed.append(name)
        else:
            print(f'[check] ok     {name}')
    if failed:
        print(f'[check] {len(failed)} of {len(CHECKS)} checks failed in {sys.executable}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
