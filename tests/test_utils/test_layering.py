# Copyright (c) mmjepa contributors. All rights reserved.
"""``mmjepa.utils`` is the ground floor: nothing in it imports the models, converters, datasets or engine, not even
lazily inside a function (such an import is a hidden cycle: utils -> models -> utils)."""
import ast
import glob
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
UPPER_FLOORS = ('models', 'converters', 'datasets', 'engine', 'evaluation', 'det', 'det3d', 'visualization', 'apis')


def imported_mmjepa_packages(path: str):
    """(line, first package under mmjepa) of every import of ``path``, relative or absolute, at any depth."""
    package_depth = osp.relpath(path, osp.join(ROOT, 'mmjepa')).count(osp.sep)  # utils/x.py -> 1
    for node in ast.walk(ast.parse(open(path).read(), path)):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: climb to mmjepa, then the first name
                parts = ([] if node.level > package_depth else ['utils']) + (node.module or '').split('.')
                names = [a.name for a in node.names] if not node.module else []
                yield node.lineno, (parts[0] or (names[0] if names else ''))
            elif node.module and node.module.startswith('mmjepa.'):
                yield node.lineno, node.module.split('.')[1]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith('mmjepa.'):
                    yield node.lineno, alias.name.split('.')[1]


def test_utils_imports_nothing_above_it():
    offenders = [f'{osp.relpath(path, ROOT)}:{line} imports mmjepa.{package}'
                 for path in sorted(glob.glob(osp.join(ROOT, 'mmjepa', 'utils', '*.py')))
                 for line, package in imported_mmjepa_packages(path) if package in UPPER_FLOORS]
    assert offenders == []
