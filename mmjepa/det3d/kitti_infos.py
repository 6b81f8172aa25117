# Copyright (c) mmjepa contributors. All rights reserved.
"""mmdet3d's info files (``kitti_infos_{train,val,trainval,test}.pkl``, info version 1.1) of a folder in the raw
KITTI object layout, made by mmdet3d's own converter: ``create_kitti_info_file`` (image sizes, calibration,
labels, points in each box) then ``update_pkl_infos`` (the 1.x format), the two steps of its
``tools/create_data.py kitti``. The converter ships inside the mmdet3d package (``mmdet3d/.mim/tools``) and is
loaded from there, so the infos are exactly those of a real KITTI download. The ground-truth database of
``ObjectSample`` is not made (the demo detectors do not sample objects)."""
import importlib.util
import os.path as osp
import shutil
import sys
import tempfile
from typing import Dict

SPLITS = ('train', 'val', 'trainval', 'test')


def _converter_module(name: str):
    """``tools/dataset_converters/<name>.py`` of the installed mmdet3d, as a module of a private package (its
    relative imports resolve inside the same folder)."""
    import mmdet3d
    folder = osp.join(osp.dirname(mmdet3d.__file__), '.mim', 'tools', 'dataset_converters')
    if not osp.isfile(osp.join(folder, f'{name}.py')):
        raise FileNotFoundError(f'{folder}/{name}.py is missing: mmdet3d {mmdet3d.__version__} ships its dataset '
                                'converters there (reinstall mmdet3d==1.4.0)')
    package = '_mmdet3d_dataset_converters'
    if package not in sys.modules:
        spec = importlib.util.spec_from_file_location(package, osp.join(folder, '__init__.py'),
                                                      submodule_search_locations=[folder])
        module = importlib.util.module_from_spec(spec)
        module.__path__ = [folder]
        sys.modules[package] = module
    return importlib.import_module(f'{package}.{name}')


def create_kitti_infos(root: str, prefix: str = 'kitti') -> Dict[str, str]:
    """Write ``<root>/<prefix>_infos_<split>.pkl`` for the splits of ``<root>/ImageSets`` and return their paths.

    Raises:
        FileNotFoundError: ``root`` lacks ``ImageSets/{train,val,test}.txt`` or a file they name.
    """
    for split in ('train', 'val', 'test'):
        if not osp.isfile(osp.join(root, 'ImageSets', f'{split}.txt')):
            raise FileNotFoundError(f'{root}/ImageSets/{split}.txt is missing: a KITTI object folder lists its '
                                    'splits there')
    kitti = _converter_module('kitti_converter')
    update = _converter_module('update_infos_to_v2')
    # the first step writes the 0.x infos outside root: the update pauses 5 s when its output folder is a
    # prefix of its input path
    staging = tempfile.mkdtemp(prefix='kitti_infos_v0_')
    try:
        kitti.create_kitti_info_file(root, prefix, with_plane=False, save_path=staging, relative_path=True)
        paths = {}
        for split in SPLITS:
            update.update_pkl_infos('kitti', out_dir=root, pkl_path=osp.join(staging, f'{prefix}_infos_{split}.pkl'))
            paths[split] = osp.join(root, f'{prefix}_infos_{split}.pkl')
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    missing = [p for p in paths.values() if not osp.isfile(p)]
    if missing:
        raise RuntimeError(f'mmdet3d\'s converter did not write {missing}')
    return paths
