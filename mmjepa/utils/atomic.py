# Copyright (c) mmjepa contributors. All rights reserved.
"""Atomic file writes: a file is either the old one or the complete new one, never half written.

:func:`atomic_open` writes to a temporary file next to the destination, syncs it to disk and renames it into
place. :class:`AtomicLocalBackend` is mmengine's local file backend with that ``put``; the pretraining runtime
uses it for checkpoints (``default_hooks.checkpoint.backend_args=dict(backend='atomic_local')``). mmengine's own
backend opens the destination with ``'wb'``, so a run killed while saving leaves a truncated checkpoint, and
over an existing file of the same name (``--resume`` from an older checkpoint re-saves its successors) it
destroys a good one.
"""
import os
import os.path as osp
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import List, Union

from mmengine.fileio.backends import LocalBackend, register_backend


PARTIAL_SUFFIX = '.partial'

# The process umask, read once (reading it means setting it, which other threads would see).
_UMASK = os.umask(0)
os.umask(_UMASK)


@contextmanager
def atomic_open(dst: Union[str, Path], mode: str = 'wb', **kwargs):
    """Open a temporary file beside ``dst`` (``mode`` 'wb' or 'w'); when the block ends without an error it is
    flushed, fsynced and renamed onto ``dst`` (``os.replace``, then the folder is fsynced); on any error,
    ``KeyboardInterrupt`` included, it is removed and ``dst`` is left as it was. A ``SIGKILL`` during the write
    leaves the hidden temporary file (``.NAME.*.partial``) behind, never a truncated ``dst``;
    :class:`AtomicLocalBackend` removes such leftovers at its next write into the folder."""
    if mode not in ('wb', 'w'):
        raise ValueError(f'atomic_open writes whole files: mode must be "wb" or "w", got {mode!r}')
    dst = osp.abspath(dst)
    folder = osp.dirname(dst)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.' + osp.basename(dst) + '.', suffix=PARTIAL_SUFFIX)
    try:
        stream = os.fdopen(fd, mode, **kwargs)
    except BaseException:  # e.g. an encoding for 'wb'
        os.close(fd)
        os.remove(tmp)
        raise
    try:
        with stream as f:
            try:
                os.fchmod(f.fileno(), 0o666 & ~_UMASK)  # the permissions open() would give, not mkstemp's 0600
            except OSError:  # file systems without permissions (some network mounts)
                pass
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dst)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    """Persist the rename itself (best effort: not every platform can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_partial_files(folder: str) -> List[str]:
    """Delete the temporary files that killed :func:`atomic_open` writes left in ``folder``; returns their
    names. Only for folders with one writer at a time (a training run's work dir: rank 0 saves)."""
    if not osp.isdir(folder):
        return []
    removed = []
    for name in os.listdir(folder):
        if name.startswith('.') and name.endswith(PARTIAL_SUFFIX):
            try:
                os.remove(osp.join(folder, name))
                removed.append(name)
            except OSError:
                pass
    return removed


class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose ``put`` / ``put_text`` write through :func:`atomic_open`, first removing
    the leftovers of killed writes in the same folder (a checkpoint-sized file per kill otherwise)."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        remove_partial_files(osp.dirname(osp.abspath(filepath)))
        with atomic_open(filepath, 'wb') as f:
            f.write(obj)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        remove_partial_files(osp.dirname(osp.abspath(filepath)))
        with atomic_open(filepath, 'w', encoding=encoding) as f:
            f.write(obj)


register_backend('atomic_local', AtomicLocalBackend)
