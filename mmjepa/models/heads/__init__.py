# Copyright (c) mmjepa contributors. All rights reserved.
from .local_agg_head import LocalAggHead

__all__ = ['LocalAggHead']
