# Copyright (c) mmjepa contributors. All rights reserved.
"""Let mmpretrain 1.2.0 import beside a current ``transformers``.

mmpretrain 1.2.0 imports its multimodal models (BLIP, BLIP-2, OFA, RAM...) whenever ``pycocotools`` and
``transformers >= 4.28`` are installed (``mmpretrain.utils.dependency.WITH_MULTIMODAL``), and those modules
take a few names from ``transformers.modeling_utils`` that transformers 5 moved or removed. BLIP's module
catches the ``ImportError``, sets ``PreTrainedModel = None`` and subclasses it, so ``import mmpretrain.models``
fails with ``TypeError: NoneType takes no arguments`` and with it every mmjepa model and tool.

:func:`patch_transformers_for_mmpretrain` (run by ``import mmjepa``, before anything imports mmpretrain) puts
the missing names back on ``transformers.modeling_utils``: from their new home where one exists, and
:func:`find_pruneable_heads_and_indices` (removed in transformers 5) from here. It changes nothing that is
already there, and imports nothing when mmpretrain would not import transformers either.
"""
import importlib
import importlib.util
import os.path as osp
from contextlib import contextmanager
from importlib import metadata
from typing import Iterable, Set, Tuple

# Names mmpretrain 1.2.0 (and mmdet 3.3's GLIP helper) import from transformers.modeling_utils -> where
# transformers >= 5 keeps them; None: removed, provided by this module.
MOVED_NAMES = {
    'PreTrainedModel': None,  # never moved: checked only, a transformers without it cannot work
    'apply_chunking_to_forward': 'transformers.pytorch_utils',
    'prune_linear_layer': 'transformers.pytorch_utils',
    'find_pruneable_heads_and_indices': None,
    'GenerationMixin': 'transformers.generation',
    'PretrainedConfig': 'transformers.configuration_utils',
}
_PROVIDED_HERE = ('find_pruneable_heads_and_indices', )

_REMEDY = ("Install a transformers that mmpretrain 1.2.0 was written for (pip install 'transformers>=4.28,<5'), "
           'or remove transformers (pip uninstall transformers) if you use no mmpretrain multimodal model')
_MULTIMODAL_DIR = osp.join('mmpretrain', 'models', 'multimodal')


class IncompatibleTransformersError(ImportError):
    """The installed ``transformers`` cannot be made to work with mmpretrain 1.2.0."""


def find_pruneable_heads_and_indices(heads: Iterable[int], n_heads: int, head_size: int,
                                     already_pruned_heads: Set[int]) -> Tuple[Set[int], 'torch.Tensor']:
    """The heads of an attention layer still to prune and the flat indices of the rows to keep.

    ``n_heads`` is the layer's current number of heads (``already_pruned_heads``, in the numbering of the
    unpruned layer, are gone). Returns ``(heads to prune, kept row indices)``, the contract of the
    transformers 4 function of the same name (removed in transformers 5), used by BERT-style head pruning.
    """
    import torch
    to_prune = set(heads) - set(already_pruned_heads)
    # the position of a head among the n_heads that remain once already_pruned_heads are removed
    current = {h - sum(p < h for p in already_pruned_heads) for h in to_prune}
    keep = torch.tensor([h not in current for h in range(n_heads)]).repeat_interleave(head_size)
    return to_prune, torch.arange(n_heads * head_size)[keep]


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # ValueError: a module in sys.modules without a spec
        return False


def mmpretrain_imports_transformers() -> bool:
    """Whether ``import mmpretrain.models`` will import transformers: mmpretrain's ``WITH_MULTIMODAL`` rule
    (``pycocotools`` and ``transformers >= 4.28`` installed), evaluated without importing either."""
    if not (_installed('transformers') and _installed('pycocotools')):
        return False
    try:
        major, minor = (int(p) for p in metadata.version('transformers').split('.')[:2])
    except (metadata.PackageNotFoundError, ValueError):
        return True  # no readable version: mmpretrain may still import it; patching is harmless
    return (major, minor) >= (4, 28)


def transformers_version() -> str:
    try:
        return metadata.version('transformers')
    except metadata.PackageNotFoundError:
        return 'unknown'


def patch_transformers_for_mmpretrain() -> list:
    """Add to ``transformers.modeling_utils`` the names of :data:`MOVED_NAMES` it lacks.

    A no-op (nothing imported) unless mmpretrain would import transformers. Returns the names added.
    Raises :class:`IncompatibleTransformersError` when a name is neither there nor where transformers 5
    keeps it, i.e. for a transformers that mmpretrain 1.2.0 cannot import with.
    """
    if not mmpretrain_imports_transformers():
        return []
    try:
        modeling_utils = importlib.import_module('transformers.modeling_utils')
    except Exception as exc:
        raise IncompatibleTransformersError(
            f'transformers {transformers_version()} is installed but transformers.modeling_utils does not import '
            f'({type(exc).__name__}: {exc}); mmpretrain 1.2.0 imports it whenever transformers is installed. '
            "Repair it (pip install -U transformers) or remove it (pip uninstall transformers)") from exc
    added, missing = [], []
    for name, new_home in MOVED_NAMES.items():
        if hasattr(modeling_utils, name):
            continue
        value = globals()[name] if name in _PROVIDED_HERE else _find(new_home, name)
        if value is None:
            missing.append(f'{name} (looked in transformers.modeling_utils'
                           + (f' and {new_home})' if new_home else ')'))
            continue
        setattr(modeling_utils, name, value)
        added.append(name)
    if missing:
        raise IncompatibleTransformersError(
            f'mmpretrain 1.2.0 cannot import with transformers {transformers_version()}: it needs '
            + '; '.join(missing) + '. ' + _REMEDY)
    return added


def _find(module: str, name: str):
    """``module.name``, or None when either is missing."""
    if module is None:
        return None
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


@contextmanager
def explain_mmpretrain_import_errors():
    """Re-raise a failure inside mmpretrain's multimodal models (which only transformers brings in) as an
    :class:`IncompatibleTransformersError` naming the transformers version and the remedy."""
    try:
        yield
    except Exception as exc:
        tb, files = exc.__traceback__, []
        while tb is not None:
            files.append(tb.tb_frame.f_code.co_filename)
            tb = tb.tb_next
        if isinstance(exc, IncompatibleTransformersError) or not any(_MULTIMODAL_DIR in f for f in files):
            raise
        culprit = next(f for f in reversed(files) if _MULTIMODAL_DIR in f)
        raise IncompatibleTransformersError(
            f'import mmpretrain.models failed in {culprit} ({type(exc).__name__}: {exc}) with transformers '
            f'{transformers_version()} installed: this combination does not work even with mmjepa\'s '
            f'compatibility patch (mmjepa.utils.compat). ' + _REMEDY) from exc
