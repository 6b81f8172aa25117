# Copyright (c) mmjepa contributors. All rights reserved.
"""Schema-driven tables for `T-JEPA <https://arxiv.org/abs/2410.05016>`_: CSV, Parquet or ARFF files whose
columns a schema names as numeric, categorical, target (and optionally split / ignored), and the OpenML layout
(``dataset.pq`` or ``dataset.arff`` with ``features.xml``, as ``openml`` caches a dataset)."""
import json
import os.path as osp
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmpretrain.registry import DATASETS
from mmpretrain.structures import DataSample
from torch.utils.data import Dataset

from ...utils.extras import require

TASKS = ('classification', 'regression')


@dataclass
class TableSchema:
    """What each column of a table is.

    Attributes:
        numeric (list[str]): Numeric feature columns (scaled with the fitted rows' statistics).
        categorical (list[str]): Categorical feature columns (coded by the train split's sorted categories).
        target (str, optional): The label column. task (str): ``'classification'`` or ``'regression'``.
        split (str, optional): A column holding each row's split name (``train`` / ``val`` / ``test``).
        ignore (list[str]): Columns to leave out (row ids, ...). Any other column is an error.
    """
    numeric: List[str] = field(default_factory=list)
    categorical: List[str] = field(default_factory=list)
    target: Optional[str] = None
    task: str = 'classification'
    split: Optional[str] = None
    ignore: List[str] = field(default_factory=list)

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f'schema task={self.task!r} must be one of {TASKS}')
        if not self.numeric and not self.categorical:
            raise ValueError('schema: no feature columns (numeric and categorical are both empty)')
        named = self.numeric + self.categorical + [c for c in (self.target, self.split) if c] + self.ignore
        twice = sorted({c for c in named if named.count(c) > 1})
        if twice:
            raise ValueError(f'schema: columns {twice} are named more than once')

    @classmethod
    def load(cls, schema: Union[str, dict, 'TableSchema'], data_root: str = '') -> 'TableSchema':
        """A schema from a dict, a JSON file, or ``'openml'`` (``<data_root>/features.xml``)."""
        if isinstance(schema, TableSchema):
            return schema
        if isinstance(schema, str):
            if schema == 'openml':
                return schema_from_openml(osp.join(data_root, 'features.xml'))
            path = schema if osp.isabs(schema) else osp.join(data_root, schema)
            with open(path) as f:
                schema = json.load(f)
        unknown = set(schema) - {'numeric', 'categorical', 'target', 'task', 'split', 'ignore'}
        if unknown:
            raise ValueError(f'schema: unknown keys {sorted(unknown)}')
        return cls(**{k: list(v) if isinstance(v, (list, tuple)) else v for k, v in schema.items()})

    @property
    def features(self) -> List[str]:
        """Feature columns in row order: numeric, then categorical."""
        return self.numeric + self.categorical


def schema_from_openml(path: str) -> TableSchema:
    """The schema of an OpenML dataset from its ``features.xml``: ``numeric`` features are numeric,
    ``nominal`` ones categorical; ``is_target`` gives the target (nominal: classification, else regression);
    ``is_ignore`` / ``is_row_identifier`` and ``string`` features are ignored."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'OpenML layout: {path} not found (the features.xml that openml caches next to '
                                'dataset.pq / dataset.arff)')
    ns = {'oml': 'http://openml.org/openml'}
    numeric, categorical, ignore, target, task = [], [], [], None, 'classification'
    for feat in ET.parse(path).getroot().findall('oml:feature', ns):
        name = feat.findtext('oml:name', namespaces=ns)
        kind = feat.findtext('oml:data_type', namespaces=ns)
        flag = {k: feat.findtext(f'oml:{k}', default='false', namespaces=ns) == 'true'
                for k in ('is_target', 'is_ignore', 'is_row_identifier')}
        if flag['is_target']:
            target, task = name, 'classification' if kind == 'nominal' else 'regression'
        elif flag['is_ignore'] or flag['is_row_identifier'] or kind not in ('numeric', 'nominal'):
            ignore.append(name)
        else:
            (numeric if kind == 'numeric' else categorical).append(name)
    return TableSchema(numeric=numeric, categorical=categorical, target=target, task=task, ignore=ignore)


def check_field_counts(path: str) -> None:
    """Every line of a CSV has the header's number of fields (pandas would silently take a longer first row
    for an index column, or pad a short row with missing values)."""
    import csv
    with open(path, newline='') as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header:
            raise ValueError(f'{path}: empty table (no header line)')
        for fields in reader:
            if fields and len(fields) != len(header):
                raise ValueError(f'{path}: wrong number of columns: line {reader.line_num} has {len(fields)} fields, '
                                 f'the header {len(header)}')


def read_table(path: str):
    """A ``pandas.DataFrame`` from a ``.csv``, ``.parquet`` / ``.pq`` (needs pyarrow or fastparquet) or
    ``.arff`` file. Rows with a wrong number of fields are an error naming the line."""
    pd = require('pandas', 'tabular', 'Reading CSV / Parquet tables')
    if not osp.isfile(path):
        raise FileNotFoundError(f'table {path} not found')
    ext = osp.splitext(path)[1].lower()
    if ext == '.csv':
        check_field_counts(path)
        return pd.read_csv(path, index_col=False)
    if ext in ('.parquet', '.pq'):
        try:
            return pd.read_parquet(path)
        except ImportError as e:
            raise ImportError(f'{path}: reading Parquet needs pyarrow or fastparquet (pip install pyarrow): {e}') \
                from None
    if ext == '.arff':
        from scipy.io import arff
        data, _ = arff.loadarff(path)
        frame = pd.DataFrame(data)
        for col in frame.columns:  # nominal values come as bytes, missing ones as b'?'
            if frame[col].dtype == object:
                frame[col] = frame[col].map(lambda v: v.decode() if isinstance(v, bytes) else v).replace('?', None)
        return frame
    raise ValueError(f'table {path}: unknown format {ext!r} (csv, parquet, pq or arff)')


@DATASETS.register_module()
class TabularDataset(Dataset):
    """The rows of one split of a table, as T-JEPA's encoder takes them: numeric columns scaled with the
    statistics of the fitted rows (``numeric_scaling``: standardised with their mean and std, or MinMax-scaled to
    [0, 1] with their minimum and maximum as the official T-JEPA loader, which fits on every row of the table),
    then each categorical column as the index of its value among the fitted rows' sorted categories; the label
    (a class index, or the raw value for regression).

    Errors name the file, the column and the row (1-based, as the data rows of the file): a missing value, a
    non-numeric value in a numeric column, a category (or class) not seen in the train split, a column the
    schema lists but the table lacks, a column the table has but the schema does not name.

    Args:
        data_root (str): Folder of the table (and of a relative schema path).
        table (str): The file (``.csv``, ``.parquet``, ``.pq``, ``.arff``), relative to ``data_root``.
        schema (str | dict): A :class:`TableSchema` dict, a JSON file, or ``'openml'``.
        split (str, optional): Rows whose ``schema.split`` column has this value; None: all rows.
        train_split (str, optional): The split whose statistics scale and code every split; None: all rows of
            the table (the official T-JEPA pretraining). Defaults to 'train'.
        numeric_scaling (str): ``'standard'`` (mean 0, std 1) or ``'minmax'`` (``(x - min) / (max - min)``,
            a constant column gives 0, as scikit-learn's ``MinMaxScaler``). Defaults to 'standard'.
    """
    SCALINGS = ('standard', 'minmax')

    def __init__(self, data_root: str, table: str, schema: Union[str, dict], split: Optional[str] = None,
                 train_split: Optional[str] = 'train', numeric_scaling: str = 'standard', **kwargs):
        kwargs.pop('pipeline', None)  # no transforms: rows are ready
        if kwargs:
            raise TypeError(f'TabularDataset got unexpected arguments {sorted(kwargs)}')
        if numeric_scaling not in self.SCALINGS:
            raise ValueError(f'TabularDataset: numeric_scaling={numeric_scaling!r} must be one of {self.SCALINGS}')
        self.numeric_scaling = numeric_scaling
        self.path = osp.join(data_root, table)
        self.schema = TableSchema.load(schema, data_root)
        frame = read_table(self.path)
        frame.index = np.arange(1, len(frame) + 1)  # data rows, 1-based
        self.check_columns(frame)
        rows = self.split_rows(frame, split)
        train = frame.loc[self.split_rows(frame, train_split)] if self.schema.split and train_split else frame
        self.stats = self.fit(train)
        self.features, self.labels = self.transform(frame.loc[rows])
        self.split = split

    # ------------------------------------------------------------------------------------------ checks
    def check_columns(self, frame) -> None:
        s = self.schema
        listed = s.features + [c for c in (s.target, s.split) if c]
        missing = [c for c in listed if c not in frame.columns]
        if missing:
            raise ValueError(f'{self.path}: the schema names columns {missing} that the table does not have '
                             f'(it has {list(frame.columns)})')
        extra = [c for c in frame.columns if c not in listed and c not in s.ignore]
        if extra:
            raise ValueError(f'{self.path}: columns {extra} are not in the schema; list them as numeric, '
                             'categorical, target, split or ignore')
        for col in listed:
            empty = frame[col].isna().to_numpy()
            if empty.any():
                raise ValueError(f'{self.path}: missing value in column {col!r}, row {frame.index[empty.argmax()]}'
                                 f' ({int(empty.sum())} missing in the column); fill or drop them first')

    def split_rows(self, frame, split: Optional[str]) -> np.ndarray:
        if split is None:
            return frame.index.to_numpy()
        if not self.schema.split:
            raise ValueError(f'{self.path}: split={split!r} asked but the schema has no split column')
        rows = frame.index[frame[self.schema.split].astype(str) == split].to_numpy()
        if not len(rows):
            raise ValueError(f'{self.path}: no row has {self.schema.split}={split!r} (values: '
                             f'{sorted(frame[self.schema.split].astype(str).unique())})')
        return rows

    def numeric_values(self, frame, col: str) -> np.ndarray:
        pd = require('pandas', 'tabular', 'Reading CSV / Parquet tables')
        values = pd.to_numeric(frame[col], errors='coerce')
        bad = values.isna().to_numpy()
        if bad.any():
            row = frame.index[bad.argmax()]
            raise ValueError(f'{self.path}: column {col!r} is numeric in the schema but row {row} holds '
                             f'{frame.at[row, col]!r}')
        return values.to_numpy(np.float64)

    # ------------------------------------------------------------------------------------- transforms
    def fit(self, train) -> dict:
        s = self.schema
        numeric = np.stack([self.numeric_values(train, c) for c in s.numeric], 1) if s.numeric else None
        if numeric is None:
            shift = scale = None
        elif self.numeric_scaling == 'minmax':
            shift, scale = numeric.min(0), numeric.max(0) - numeric.min(0)
        else:
            shift, scale = numeric.mean(0), numeric.std(0)
        stats = dict(shift=shift, scale=np.where(scale > 0, scale, 1.) if scale is not None else None,
                     categories={c: sorted(train[c].astype(str).unique()) for c in s.categorical})
        if s.target and s.task == 'classification':
            stats['classes'] = sorted(train[s.target].astype(str).unique())
        return stats

    def codes(self, frame, col: str, values: Sequence[str], what: str) -> np.ndarray:
        index = {v: i for i, v in enumerate(values)}
        text = frame[col].astype(str)
        unseen = ~text.isin(index).to_numpy()
        if unseen.any():
            row = frame.index[unseen.argmax()]
            raise ValueError(f'{self.path}: {what} {text[row]!r} of column {col!r}, row {row}, is not in the train '
                             f'split ({len(values)} known: {list(values)[:10]})')
        return text.map(index).to_numpy(np.int64)

    def transform(self, frame) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        s, st = self.schema, self.stats
        parts = []
        if s.numeric:
            numeric = np.stack([self.numeric_values(frame, c) for c in s.numeric], 1)
            parts.append((numeric - st['shift']) / st['scale'])
        for col in s.categorical:
            parts.append(self.codes(frame, col, st['categories'][col], 'category')[:, None].astype(np.float64))
        features = np.concatenate(parts, 1).astype(np.float32)
        labels = None
        if s.target:
            labels = (self.codes(frame, s.target, st['classes'], 'class') if s.task == 'classification'
                      else self.numeric_values(frame, s.target).astype(np.float32))
        return features, labels

    # ------------------------------------------------------------------------------------------ access
    @property
    def num_numeric(self) -> int:
        return len(self.schema.numeric)

    @property
    def cardinalities(self) -> List[int]:
        """Categories of each categorical column (the tokenizer's ``cardinalities``)."""
        return [len(self.stats['categories'][c]) for c in self.schema.categorical]

    @property
    def metainfo(self) -> Dict:
        return dict(classes=self.stats.get('classes'), task=self.schema.task, features=self.schema.features,
                    num_numeric=self.num_numeric, cardinalities=self.cardinalities)

    def arrays(self) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """All rows ``[N, F]`` float32 and labels ``[N]``."""
        return self.features, self.labels

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, idx: int) -> dict:
        sample = DataSample()
        if self.labels is not None:
            if self.schema.task == 'classification':
                sample.set_gt_label(int(self.labels[idx]))
            else:
                sample.set_field(torch.tensor([float(self.labels[idx])]), 'gt_value')
        return dict(inputs=torch.from_numpy(self.features[idx]), data_samples=sample)
