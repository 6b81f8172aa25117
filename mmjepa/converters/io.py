# Copyright (c) mmjepa contributors. All rights reserved.
"""File handling shared by the model converter scripts: data-only loading, atomic saving, the written summary."""
import os.path as osp
import zipfile
from collections import Counter
from typing import Mapping

import torch

from ..utils.atomic import atomic_open
from ..utils.checkpoint import CheckpointFormatError, is_safetensors, safe_torch_load


def load_source(path: str, expected: str = 'a PyTorch checkpoint'):
    """Load a converter's source as data on the CPU: a safetensors file (Hugging Face ``model.safetensors``)
    with the ``safetensors`` package, anything else with :func:`safe_torch_load` (``weights_only=True``,
    errors saying what was ``expected``).

    Zip-format files are memory-mapped, so tensors a conversion drops (optimizer moments: most of a
    training checkpoint) are never read.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'Source checkpoint not found: {path!r}')
    if is_safetensors(path):
        try:
            from safetensors.torch import load_file
        except ImportError as exc:
            raise ImportError(f'{path!r} is a safetensors file; reading it needs the safetensors package '
                              '(pip install safetensors)') from exc
        try:
            return load_file(path, device='cpu')
        except Exception as exc:  # a truncated download, a corrupted header
            raise CheckpointFormatError(f'{path!r} looks like a safetensors file but cannot be read '
                                        f'({type(exc).__name__}: {exc}); expected {expected}') from exc
    return safe_torch_load(path, 'cpu', expected=expected, mmap=zipfile.is_zipfile(path))


def save_atomic(obj, dst: str) -> None:
    """``torch.save`` through :func:`mmjepa.utils.atomic.atomic_open`: ``dst`` is never left half written."""
    with atomic_open(dst, 'wb') as f:
        torch.save(obj, f)


def print_part_counts(state_dict: Mapping) -> None:
    """Print how many tensors each part of a converted checkpoint holds (``backbone.*``, ``predictor.*``,
    ``target_generator.encoder.*``...), one line each."""
    counts = Counter('.'.join(k.split('.')[:2]) if k.startswith('target_generator.') else k.split('.')[0]
                     for k in state_dict)
    for part, n in counts.items():
        print(f'  {part}.*: {n} tensors')
