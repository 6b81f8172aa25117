# Copyright (c) mmjepa contributors. All rights reserved.
"""KITTI evaluation on a machine without CUDA. mmdet3d's ``KittiMetric`` computes the BEV and 3-D overlaps with
``kitti_utils.rotate_iou.rotate_iou_gpu_eval``, a numba CUDA kernel compiled when its module is imported, which
fails without a CUDA driver. :func:`install` puts a CPU module of the same name and function in its place, on the
rotated-box IoU of mmcv's compiled ops; ``tests/test_det3d/test_kitti_transfer.py`` checks it against exact polygon
intersections (shapely). On a machine with CUDA the kernel stays."""
import sys
import types

import numpy as np
import torch

MODULE = 'mmdet3d.evaluation.functional.kitti_utils.rotate_iou'


def rotate_iou_cpu_eval(boxes: np.ndarray, query_boxes: np.ndarray, criterion: int = -1,
                        device_id: int = 0) -> np.ndarray:
    """``rotate_iou_gpu_eval`` on the CPU: ``[N, K]`` overlaps of BEV boxes ``(x, y, w, h, angle)``.

    ``criterion``: -1 IoU, 0 intersection over the query box's area, 1 over the box's area (as the CUDA kernel
    computes them; its docstring names the two areas the other way round), any other value the intersection area.
    ``device_id`` is accepted for the same signature and ignored.
    """
    from mmcv.ops import box_iou_rotated
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 5)
    query_boxes = np.asarray(query_boxes, dtype=np.float32).reshape(-1, 5)
    if len(boxes) == 0 or len(query_boxes) == 0:
        return np.zeros((len(boxes), len(query_boxes)), dtype=np.float32)
    a, b = torch.from_numpy(boxes), torch.from_numpy(query_boxes)
    iou = box_iou_rotated(a, b, mode='iou', aligned=False).double()
    area_box = (a[:, 2] * a[:, 3]).double()[:, None]
    area_query = (b[:, 2] * b[:, 3]).double()[None, :]
    inter = iou * (area_box + area_query) / (1 + iou)  # from iou = inter / (a1 + a2 - inter)
    if criterion == -1:
        out = iou
    elif criterion == 0:
        out = inter / area_query
    elif criterion == 1:
        out = inter / area_box
    else:
        out = inter
    return out.float().numpy()


def cuda_available() -> bool:
    try:
        from numba import cuda
        return bool(cuda.is_available())
    except Exception:  # numba without its CUDA part
        return False


def install(force: bool = False) -> bool:
    """Serve ``rotate_iou_gpu_eval`` from the CPU when numba has no CUDA device (or ``force``); True if done.
    Must run before the CUDA module is first imported (``import mmjepa.det3d`` does it)."""
    if not force and cuda_available():
        return False
    if MODULE in sys.modules and getattr(sys.modules[MODULE], '__mmjepa_cpu__', False):
        return True
    module = types.ModuleType(MODULE, __doc__)
    module.rotate_iou_gpu_eval = rotate_iou_cpu_eval
    module.__mmjepa_cpu__ = True
    sys.modules[MODULE] = module
    return True
