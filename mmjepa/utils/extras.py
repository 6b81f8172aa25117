# Copyright (c) mmjepa contributors. All rights reserved.
"""Optional dependencies: a member's heavy packages come with an extra (``pip install "mmjepa[ecg]"``); a missing
one is an error naming the extra, not a bare ``ModuleNotFoundError`` deep inside a run."""
import importlib
from types import ModuleType

#: extra -> the packages it installs (setup.py's MEMBER_EXTRAS, requirements/<extra>.txt)
EXTRAS = dict(ecg=('wfdb', 'neurokit2'), tabular=('pandas', 'xgboost'), act=('metaworld', ),
              lidar=('mmdet3d', 'numba', 'pyquaternion', 'shapely', 'skimage'))


class MissingExtraError(ImportError):
    """A package of an mmjepa extra is not installed."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """``import module``, or :class:`MissingExtraError` saying which extra installs it and what needs it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is None or module.split('.')[0] != exc.name.split('.')[0]:
            raise  # the module is there but one of its own imports is missing: not ours to explain
        hint = ("mmdet3d itself: bash tools/install_deps.sh, or pip install --no-deps mmdet3d==1.4.0 "
                "nuscenes-devkit==1.2.0" if extra == 'lidar' else 'or bash tools/install_deps.sh')
        raise MissingExtraError(f'{purpose} needs {module.split(".")[0]!r}, which is not installed: pip install '
                                f'"mmjepa[{extra}]" ({hint})') from exc
