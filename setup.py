# Copyright (c) mmjepa contributors. All rights reserved.
"""Packaging for mmjepa, in the OpenMMLab way: configs, tools and the model index ship in ``mmjepa/.mim``."""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def read_version():
    scope = {}
    with open(osp.join(ROOT, 'mmjepa', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def parse_requirements(name):
    """Requirement lines of ``requirements/<name>.txt`` without comments."""
    with open(osp.join(ROOT, 'requirements', name)) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


#: ``pip install "mmjepa[NAME]"``: each member's heavy dependencies. ``lidar`` installs what mmdet3d 1.4.0 imports;
#: mmdet3d and nuscenes-devkit themselves go in with ``--no-deps`` (requirements/mmdet3d.txt says why).
MEMBER_EXTRAS = dict(ecg='ecg.txt', tabular='tabular.txt', act='act.txt', lidar='mmdet3d.txt')


def extras_require():
    extras = {name: parse_requirements(file) for name, file in MEMBER_EXTRAS.items()}
    extras['all'] = sorted({req for reqs in extras.values() for req in reqs})
    extras.update(tests=parse_requirements('tests.txt'), optional=parse_requirements('optional.txt'),
                  mim=parse_requirements('mminstall.txt'))
    return extras


def add_mim_extension():
    """Link (editable installs) or copy (sdist/wheel) configs, tools and the model index into mmjepa/.mim."""
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif any(cmd in sys.argv for cmd in ('sdist', 'bdist_wheel', 'install', 'build')):
        mode = 'copy'
    else:
        return
    mim = osp.join(ROOT, 'mmjepa', '.mim')
    os.makedirs(mim, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(ROOT, name), osp.join(mim, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmjepa',
        version=read_version(),
        description='JEPA self-supervised pretraining and transfer for OpenMMLab',
        long_description=open(osp.join(ROOT, 'README.md')).read() if osp.exists(osp.join(ROOT, 'README.md')) else '',
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        python_requires='>=3.9',
        packages=find_packages(exclude=('configs', 'tools', 'tests', 'demo')),
        include_package_data=True,
        install_requires=parse_requirements('runtime.txt'),
        extras_require=extras_require(),
        zip_safe=False,
    )
