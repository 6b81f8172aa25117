# Copyright (c) mmjepa contributors. All rights reserved.
"""File handling shared by the model converter scripts: data-only loading and atomic saving."""
import os
import os.path as osp
import tempfile
import zipfile

import torch

from ..utils.checkpoint import safe_torch_load


def load_source(path: str, expected: str = 'a PyTorch checkpoint'):
    """Load a converter's source as data (:func:`safe_torch_load`: ``weights_only=True``, errors saying what was
    ``expected``) on the CPU.

    Zip-format files are memory-mapped, so tensors a conversion drops (optimizer moments: most of a
    training checkpoint) are never read.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'Source checkpoint not found: {path!r}')
    return safe_torch_load(path, 'cpu', expected=expected, mmap=zipfile.is_zipfile(path))


def save_atomic(obj, dst: str) -> None:
    """torch.save to a temporary file next to ``dst``, then rename it into place."""
    folder = osp.dirname(osp.abspath(dst))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.' + osp.basename(dst) + '.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            torch.save(obj, f)
        os.replace(tmp, dst)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
