# Copyright (c) mmjepa contributors. All rights reserved.
from .knn import knn_top1, linear_probe_top1

__all__ = ['knn_top1', 'linear_probe_top1']
