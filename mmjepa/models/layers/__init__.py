# Copyright (c) mmjepa contributors. All rights reserved.
from .irpe import ContextualKeyRPE, piecewise_bucket, product_buckets

__all__ = ['ContextualKeyRPE', 'piecewise_bucket', 'product_buckets']
