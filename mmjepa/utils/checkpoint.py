# Copyright (c) mmjepa contributors. All rights reserved.
"""Loading mmengine checkpoints with ``torch.load(weights_only=True)``.

torch >= 2.6 unpickles with ``weights_only=True`` by default, and mmengine 0.10.7 calls ``torch.load``
without the argument: resume, ``load_from`` and ``Pretrained`` init then fail on the plain-data objects an
mmengine checkpoint holds (the message hub's ``HistoryBuffer`` and numpy arrays). Rather than unpickle
arbitrary code, mmjepa adds exactly those classes to torch's allow-list, so every checkpoint, ours or
foreign, still loads as data: a file that carries code is refused.
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


def allow_mmengine_checkpoints() -> None:
    """Allow-list the data classes found in mmengine runner checkpoints for ``weights_only`` loading."""
    from mmengine.logging import HistoryBuffer
    torch.serialization.add_safe_globals([HistoryBuffer, *_numpy_globals()])
