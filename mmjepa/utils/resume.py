# Copyright (c) mmjepa contributors. All rights reserved.
"""Which checkpoint ``--resume`` continues from: the latest one that is readable, never a truncated one."""
import glob
import os
import os.path as osp
import zipfile
from typing import List, Optional, Tuple


def unreadable_reason(path: str) -> Optional[str]:
    """None when ``path`` is a complete PyTorch checkpoint archive, else what is wrong with it.

    A file cut short by a kill, a full disk or a copy loses the zip directory at its end, so opening the
    archive finds it without reading the (possibly many GB of) tensors."""
    if not osp.isfile(path):
        return 'missing'
    if osp.getsize(path) == 0:
        return 'empty (0 bytes)'
    try:
        with zipfile.ZipFile(path) as archive:
            if not any(name.endswith('/data.pkl') or name == 'data.pkl' for name in archive.namelist()):
                return 'not a PyTorch checkpoint (no data.pkl in the archive)'
    except (zipfile.BadZipFile, OSError) as exc:
        return f'truncated or corrupt ({exc})'
    return None


def resume_candidates(work_dir: str) -> List[str]:
    """The checkpoints of ``work_dir``, latest first: the one ``last_checkpoint`` names, then every ``*.pth``
    by modification time (the newest first)."""
    named = []
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            target = f.read().strip()
        if target:
            named.append(target if osp.isabs(target) else osp.join(work_dir, osp.basename(target)))
    found = sorted(glob.glob(osp.join(work_dir, '*.pth')), key=lambda p: (os.stat(p).st_mtime_ns, p), reverse=True)
    return list(dict.fromkeys(osp.abspath(p) for p in named + found))  # each once, in that order


def find_resume_checkpoint(work_dir: str) -> Tuple[Optional[str], List[Tuple[str, str]]]:
    """``(the latest readable checkpoint or None, [(skipped checkpoint, why), ...])`` of ``work_dir``."""
    skipped = []
    for path in resume_candidates(work_dir):
        reason = unreadable_reason(path)
        if reason is None:
            return path, skipped
        skipped.append((path, reason))
    return None, skipped
