# Copyright (c) mmjepa contributors. All rights reserved.
"""mmengine checkpoints that load with ``torch.load(weights_only=True)``.

torch >= 2.6 unpickles with ``weights_only=True`` by default, and mmengine 0.10.7 calls ``torch.load``
without the argument: resume, ``load_from`` and ``Pretrained`` init then fail on the plain-data objects of a
runner checkpoint (the message hub's ``HistoryBuffer``, numpy arrays). Rather than unpickle arbitrary code,
mmjepa (1) allow-lists exactly those data classes and (2) stops ``HistoryBuffer`` from pickling its
class-level table of statistics functions into every checkpoint (pickled as ``getattr(HistoryBuffer,
'min')``, which a data-only loader must refuse; the table is rebuilt on load anyway). Every checkpoint,
ours or foreign, then loads as data, and a file that carries code is refused.

:func:`safe_torch_load` is the loader for files from elsewhere: its errors name the file and what was expected.
"""
import os.path as osp
import pickle
import re
from typing import Optional

import numpy as np
import torch


def _numpy_globals():
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    objs = [np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar]
    for name in ('Float64DType', 'Float32DType', 'Int64DType', 'Int32DType', 'BoolDType', 'UInt8DType'):
        dtype_cls = getattr(getattr(np, 'dtypes', None), name, None)
        if dtype_cls is not None:
            objs.append(dtype_cls)
    return objs


def _history_buffer_state(self) -> dict:
    """``HistoryBuffer`` state without the class-level statistics table (functions are not data)."""
    return {k: v for k, v in self.__dict__.items() if k != 'statistics_methods'}


def allow_mmengine_checkpoints() -> None:
    """Make mmengine runner checkpoints data-only, and allow their data classes for ``weights_only``."""
    from mmengine.logging import HistoryBuffer
    HistoryBuffer.__getstate__ = _history_buffer_state
    torch.serialization.add_safe_globals([HistoryBuffer, *_numpy_globals()])


class CheckpointFormatError(ValueError):
    """A file is not a readable PyTorch checkpoint (text, random bytes, empty, a zip of something else...)."""


class UnsafeCheckpointError(CheckpointFormatError, pickle.UnpicklingError):
    """A checkpoint references Python code or classes (not plain data) and was not unpickled."""


_GLOBAL_RE = re.compile(r'GLOBAL ([\w.]+)')


def safe_torch_load(filename: str, map_location: str = 'cpu', expected: str = 'a PyTorch checkpoint',
                    mmap: bool = False):
    """``torch.load(weights_only=True)`` whose errors name the file and say what was ``expected``.

    Raises :class:`UnsafeCheckpointError` for a file that references code (a malicious pickle, a whole pickled
    model) and :class:`CheckpointFormatError` for anything else torch cannot read; nothing in the file runs.
    """
    if osp.isfile(filename) and osp.getsize(filename) == 0:
        raise CheckpointFormatError(f'{filename!r} is an empty file (0 bytes); expected {expected}')
    try:
        return torch.load(filename, map_location=map_location, weights_only=True, mmap=mmap)
    except (FileNotFoundError, MemoryError):
        raise
    except pickle.UnpicklingError as exc:
        found = _GLOBAL_RE.search(str(exc))
        if found:
            raise UnsafeCheckpointError(
                f'Refused to load {filename!r}: it is not plain data but references the Python object '
                f'{found[1]} (code, or a pickled class such as a whole model), and mmjepa loads checkpoints with '
                f'torch.load(weights_only=True) so that no file can run code. Expected {expected}. If the file '
                'holds a whole model from a source you trust, re-save its state_dict() there') from None
        raise CheckpointFormatError(f'{filename!r} is not a PyTorch checkpoint ({_what_is_it(filename, exc)}); '
                                    f'expected {expected}') from exc
    except Exception as exc:  # text or random bytes: KeyError, EOFError, RuntimeError from the zip reader...
        raise CheckpointFormatError(f'{filename!r} is not a PyTorch checkpoint ({_what_is_it(filename, exc)}); '
                                    f'expected {expected}') from exc


def _text_head(filename: str) -> Optional[str]:
    """The first characters of ``filename`` if it starts as text, else None."""
    try:
        with open(filename, 'rb') as f:
            text = f.read(60).decode('utf-8')
    except (OSError, UnicodeDecodeError):
        return None
    return text if text and all(c.isprintable() or c.isspace() for c in text) else None


def is_safetensors(filename: str) -> bool:
    """Whether ``filename`` is a safetensors file (Hugging Face ``model.safetensors``): an 8-byte little-endian
    header length, then that many bytes of JSON."""
    try:
        with open(filename, 'rb') as f:
            head = f.read(9)
    except OSError:
        return False
    return (len(head) == 9 and head[8:] == b'{'
            and 8 + int.from_bytes(head[:8], 'little') <= osp.getsize(filename))


def _what_is_it(filename: str, exc: Exception) -> str:
    if is_safetensors(filename):
        return ('it starts as a safetensors file, e.g. Hugging Face model.safetensors, that this torch cannot read: '
                'a truncated download? A complete one converts with python tools/model_converters/ijepa_to_mmjepa.py '
                'FILE OUT.pth')
    head = _text_head(filename)
    if head is not None:
        return (f'it is a text file starting with {head!r}: a Git LFS pointer, or an HTML page saved by a '
                'failed download?')
    if isinstance(exc, pickle.UnpicklingError):
        return 'unpickling failed: random or corrupted bytes'
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ''
    return f'torch.load raised {type(exc).__name__}: {detail}'.rstrip(': ')
