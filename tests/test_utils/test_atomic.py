"""Atomic writes: atomic_open, the 'atomic_local' mmengine backend and the pretraining runtime that uses it."""
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.fileio import get_file_backend

from mmjepa.utils import AtomicLocalBackend, atomic_open

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = 'configs/demo/ijepa_vit-tiny-p8_1xb64-16e_demo-64px.py'


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_atomic_open_replaces_whole_files(tmp_path):
    dst = tmp_path / 'sub' / 'ckpt.pth'
    with atomic_open(dst) as f:
        f.write(b'new')
    assert dst.read_bytes() == b'new'
    assert (dst.stat().st_mode & 0o777) == 0o666 & ~_umask()
    with atomic_open(dst, 'w', encoding='utf-8') as f:
        f.write('text')
    assert dst.read_text() == 'text'
    assert os.listdir(dst.parent) == ['ckpt.pth']  # no temporary file left


@pytest.mark.parametrize('error', [RuntimeError('disk full'), KeyboardInterrupt()])
def test_failure_leaves_the_old_file(tmp_path, error):
    dst = tmp_path / 'epoch_4.pth'
    dst.write_bytes(b'good checkpoint')
    with pytest.raises(type(error)):
        with atomic_open(dst) as f:
            f.write(b'half of a new')
            raise error
    assert dst.read_bytes() == b'good checkpoint'
    assert os.listdir(tmp_path) == ['epoch_4.pth']


def test_atomic_open_refuses_append():
    with pytest.raises(ValueError, match='mode'):
        with atomic_open('x', 'ab'):
            pass


def test_backend_puts_atomically(tmp_path, monkeypatch):
    backend = get_file_backend(str(tmp_path), backend_args=dict(backend='atomic_local'))
    assert isinstance(backend, AtomicLocalBackend)
    path = str(tmp_path / 'iter_500.pth')
    backend.put(b'old', path)
    backend.put_text('a/path', str(tmp_path / 'last_checkpoint'))
    assert (tmp_path / 'last_checkpoint').read_text() == 'a/path'

    def broken_fsync(fd):
        raise OSError('I/O error while saving')
    monkeypatch.setattr(os, 'fsync', broken_fsync)  # fails after the bytes were written
    with pytest.raises(OSError, match='I/O error'):
        backend.put(b'new and longer', path)
    assert open(path, 'rb').read() == b'old'
    assert sorted(os.listdir(tmp_path)) == ['iter_500.pth', 'last_checkpoint']


def test_mmengine_checkpoint_round_trip(tmp_path):
    from mmengine.runner.checkpoint import save_checkpoint
    path = str(tmp_path / 'epoch_1.pth')
    save_checkpoint({'state_dict': {'w': torch.arange(3.)}}, path, backend_args=dict(backend='atomic_local'))
    assert torch.equal(torch.load(path, weights_only=True)['state_dict']['w'], torch.arange(3.))


def test_pretraining_runtime_saves_atomically():
    cfg = Config.fromfile(DEMO)
    hooks = [cfg.default_hooks.checkpoint] + [h for h in cfg.custom_hooks if h.type == 'CheckpointHook']
    assert len(hooks) == 2
    assert all(h.backend_args == dict(backend='atomic_local') for h in hooks)


def test_bad_open_arguments_leave_nothing(tmp_path):
    with pytest.raises(ValueError):
        with atomic_open(tmp_path / 'x.pth', 'wb', encoding='utf-8'):  # binary mode takes no encoding
            pass
    assert os.listdir(tmp_path) == []


def test_backend_removes_leftovers_of_killed_writes(tmp_path):
    """A SIGKILL inside atomic_open leaves its hidden partial file; the backend's next write clears it."""
    import subprocess
    import sys
    code = ('import os, signal, sys; from mmjepa.utils import atomic_open\n'
            'with atomic_open(sys.argv[1]) as f:\n'
            '    f.write(b"half"); f.flush(); os.kill(os.getpid(), signal.SIGKILL)\n')
    dst = tmp_path / 'iter_1000.pth'
    proc = subprocess.run([sys.executable, '-c', code, str(dst)], cwd=ROOT)
    assert proc.returncode == -9
    leftovers = os.listdir(tmp_path)
    assert len(leftovers) == 1 and leftovers[0].startswith('.iter_1000.pth.') and not dst.exists()
    (tmp_path / 'notes.partial').write_text('a user file: not hidden, kept')
    AtomicLocalBackend().put(b'next', str(tmp_path / 'iter_1500.pth'))
    assert sorted(os.listdir(tmp_path)) == ['iter_1500.pth', 'notes.partial']
