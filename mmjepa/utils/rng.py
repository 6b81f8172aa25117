# Copyright (c) mmjepa contributors. All rights reserved.
"""The global random generators (Python, numpy, torch CPU and CUDA): read, restore, protect, seed."""
import random
from contextlib import contextmanager

import numpy as np
import torch


def get_rng_state() -> dict:
    """This process's global RNG states as plain data (loadable with ``weights_only=True``)."""
    kind, key, pos, has_gauss, gauss = np.random.get_state()
    numpy_state = (kind, torch.from_numpy(key.astype(np.int64)), pos, has_gauss, gauss)
    state = dict(python=random.getstate(), numpy=numpy_state, torch=torch.random.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore states from :func:`get_rng_state`."""
    random.setstate(state['python'])
    kind, key, pos, has_gauss, gauss = state['numpy']
    np.random.set_state((kind, key.numpy().astype(np.uint32), pos, has_gauss, gauss))
    torch.random.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


@contextmanager
def preserved_rng_state():
    """Run a block without moving the global random streams (they are restored on exit)."""
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


@contextmanager
def seeded_rng(seed: int):
    """Run a block with Python, numpy and torch CPU seeded by ``seed``, then restore the previous states."""
    with preserved_rng_state():
        random.seed(seed)
        np.random.seed(seed)
        torch.random.default_generator.manual_seed(seed)  # CPU only: CUDA generators are left alone
        yield
