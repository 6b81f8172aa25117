# Copyright (c) mmjepa contributors. All rights reserved.
"""mmengine checkpoints that load with ``torch.load(weights_only=True)``.

torch >= 2.6 unpickles with ``weights_only=True`` by default, and mmengine 0.10.7 calls ``torch.load``
without the argument: resume, ``load_from`` and ``Pretrained`` init then fail on the plain-data objects of a
runner checkpoint (the message hub's ``HistoryBuffer``, numpy arrays). Rather than unpickle arbitrary code,
mmjepa (1) allow-lists exactly those data classes and (2) stops ``HistoryBuffer`` from pickling its
class-level table of statistics functions into every checkpoint (pickled as ``getattr(HistoryBuffer,
'min')``, which a data-only loader must refuse; the table is rebuilt on load anyway). Every checkpoint,
ours or foreign, then loads as data, and a file that carries code is refused.
"""
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
