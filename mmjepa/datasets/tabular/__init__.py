# Copyright (c) mmjepa contributors. All rights reserved.
"""Tables for `T-JEPA <https://arxiv.org/abs/2410.05016>`_: schema-driven CSV / Parquet / ARFF / OpenML reading
(:mod:`.table`) and the demo tables written from scikit-learn's bundled sets (:mod:`.demo`)."""
from .demo import SKLEARN_SETS, write_sklearn_table
from .table import TableSchema, TabularDataset, read_table, schema_from_openml

__all__ = ['SKLEARN_SETS', 'TableSchema', 'TabularDataset', 'read_table', 'schema_from_openml',
           'write_sklearn_table']
