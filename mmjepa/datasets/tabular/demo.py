# Copyright (c) mmjepa contributors. All rights reserved.
"""Demo tables from the real data sets that ship with scikit-learn (no download), written as a CSV and a JSON
schema each for :class:`mmjepa.datasets.TabularDataset`::

    <out>/<name>/table.csv     the features, ``target`` and ``split`` (train / val / test, 60 / 20 / 20 %,
                               stratified by class for classification, seeded)
    <out>/<name>/schema.json   numeric / categorical / target / task / split

Sets: breast_cancer (569 x 30, 2 classes), wine (178 x 13, 3 classes), digits (1797 x 64, 10 classes), iris
(150 x 4, 3 classes), diabetes (442 x 10, regression; ``sex`` written as a categorical column, so the table is
mixed). Needs numpy, pandas and scikit-learn only: ``tools/dataset_converters/make_demo_data.py`` loads this file
by path without importing mmjepa.
"""
import json
import os
import os.path as osp

import numpy as np

SKLEARN_SETS = ('breast_cancer', 'wine', 'digits', 'iris', 'diabetes')
SPLITS = (('train', 0.6), ('val', 0.2), ('test', 0.2))


def load_sklearn_frame(name: str):
    """``(frame, schema)`` of one bundled scikit-learn set."""
    from sklearn import datasets
    if name not in SKLEARN_SETS:
        raise ValueError(f'unknown scikit-learn set {name!r}; one of {SKLEARN_SETS}')
    if name == 'diabetes':
        bunch = datasets.load_diabetes(as_frame=True, scaled=False)
    else:
        bunch = getattr(datasets, f'load_{name}')(as_frame=True)
    frame = bunch.frame.rename(columns={bunch.target.name: 'target'})
    frame.columns = [str(c).replace(' ', '_') for c in frame.columns]
    features = [c for c in frame.columns if c != 'target']
    categorical = []
    if name == 'diabetes':
        frame['sex'] = frame['sex'].map(lambda v: f'sex{int(v)}')
        categorical = ['sex']
    schema = dict(numeric=[c for c in features if c not in categorical], categorical=categorical, target='target',
                  task='regression' if name == 'diabetes' else 'classification', split='split')
    return frame, schema


def split_column(target: np.ndarray, stratify: bool, seed: int) -> np.ndarray:
    """Seeded train / val / test names of every row (per class when ``stratify``)."""
    rng = np.random.default_rng(seed)
    out = np.empty(len(target), dtype=object)
    groups = [np.flatnonzero(target == c) for c in np.unique(target)] if stratify else [np.arange(len(target))]
    for rows in groups:
        rows = rng.permutation(rows)
        cuts = np.round(np.cumsum([share for _, share in SPLITS]) * len(rows)).astype(int)
        for (split, _), start, end in zip(SPLITS, np.r_[0, cuts[:-1]], cuts):
            out[rows[start:end]] = split
    return out


def write_sklearn_table(out: str, name: str, seed: int = 0) -> dict:
    """Write ``<out>/<name>/table.csv`` and ``schema.json``; returns a summary."""
    frame, schema = load_sklearn_frame(name)
    frame['split'] = split_column(frame['target'].to_numpy(), schema['task'] == 'classification', seed)
    folder = osp.join(out, name)
    os.makedirs(folder, exist_ok=True)
    frame.to_csv(osp.join(folder, 'table.csv'), index=False)
    with open(osp.join(folder, 'schema.json'), 'w') as f:
        json.dump(schema, f, indent=1)
    counts = frame['split'].value_counts().to_dict()
    return dict(name=name, rows=len(frame), numeric=len(schema['numeric']),
                categorical=len(schema['categorical']), task=schema['task'], **counts)
