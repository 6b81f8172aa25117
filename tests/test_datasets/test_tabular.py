# Copyright (c) mmjepa contributors. All rights reserved.
"""Schema-driven tables for T-JEPA: CSV / ARFF / OpenML reading, train-split standardisation and category codes,
and errors that name the file, the column and the row."""
import json
import os.path as osp

import numpy as np
import pytest

from mmjepa.datasets.tabular import TableSchema, TabularDataset, schema_from_openml, write_sklearn_table

SCHEMA = dict(numeric=['a', 'b'], categorical=['colour'], target='y', task='classification', split='split')
CSV = """a,b,colour,y,split
1.0,10,red,yes,train
3.0,30,blue,no,train
5.0,20,red,yes,train
2.0,40,blue,no,val
4.0,50,red,yes,test
"""


def write(tmp_path, text=CSV, schema=SCHEMA):
    (tmp_path / 'table.csv').write_text(text)
    (tmp_path / 'schema.json').write_text(json.dumps(schema))
    return str(tmp_path)


def test_rows_are_standardised_and_coded_with_train_statistics(tmp_path):
    root = write(tmp_path)
    train = TabularDataset(root, 'table.csv', 'schema.json', split='train')
    val = TabularDataset(root, 'table.csv', 'schema.json', split='val')
    x, y = train.arrays()
    assert x.shape == (3, 3) and np.allclose(x[:, :2].mean(0), 0, atol=1e-6) and np.allclose(x[:, :2].std(0), 1)
    assert x[:, 2].tolist() == [1., 0., 1.]  # sorted train categories: blue=0, red=1
    assert y.tolist() == [1, 0, 1] and train.metainfo['classes'] == ['no', 'yes']
    assert train.num_numeric == 2 and train.cardinalities == [2]
    mean_a, std_a = 3.0, np.std([1., 3., 5.])
    assert np.isclose(val.arrays()[0][0, 0], (2.0 - mean_a) / std_a)  # val uses the train statistics
    sample = val[0]
    assert sample['inputs'].shape == (3, ) and int(sample['data_samples'].gt_label) == 0


def test_regression_target(tmp_path):
    root = write(tmp_path, CSV.replace('yes', '1.5').replace('no', '2.5'), dict(SCHEMA, task='regression'))
    ds = TabularDataset(root, 'table.csv', 'schema.json', split='train')
    assert ds.arrays()[1].tolist() == [1.5, 2.5, 1.5]
    assert float(ds[1]['data_samples'].gt_value) == 2.5


@pytest.mark.parametrize('text, match', [
    (CSV.replace('3.0,30', '3.0,'), r"missing value in column 'b', row 2"),
    (CSV.replace('4.0,50,red', '4.0,50,green'), r"category 'green' of column 'colour', row 5"),
    (CSV.replace('4.0,50,red,yes', '4.0,50,red,maybe'), r"class 'maybe' of column 'y', row 5"),
    (CSV.replace('5.0,20,red', 'five,20,red'), r"column 'a' is numeric in the schema but row 3 holds 'five'"),
    (CSV.replace('1.0,10,red,yes,train', '1.0,10,red,yes,train,extra'), 'line 2 has 6 fields, the header 5'),
    (CSV.replace('3.0,30,blue,no,train', '3.0,30,blue,train'), 'line 3 has 4 fields, the header 5'),
    (CSV.replace('a,b,', 'a,bb,'), r"names columns \['b'\] that the table does not have"),
    (CSV.replace(',split\n', ',split,note\n').replace('train\n', 'train,x\n').replace('val\n', 'val,x\n')
        .replace('test\n', 'test,x\n'), r"columns \['note'\] are not in the schema"),
])
def test_table_errors_name_the_column_and_row(tmp_path, text, match):
    root = write(tmp_path, text)
    with pytest.raises(ValueError, match=match):
        TabularDataset(root, 'table.csv', 'schema.json', split='test')


def test_schema_errors(tmp_path):
    with pytest.raises(ValueError, match='task'):
        TableSchema(numeric=['a'], task='ranking')
    with pytest.raises(ValueError, match='more than once'):
        TableSchema(numeric=['a'], categorical=['a'])
    root = write(tmp_path)
    with pytest.raises(ValueError, match="no row has split='dev'"):
        TabularDataset(root, 'table.csv', 'schema.json', split='dev')
    with pytest.raises(ValueError, match='unknown format'):
        TabularDataset(root, 'schema.json', SCHEMA)


FEATURES_XML = """<oml:data_features xmlns:oml="http://openml.org/openml">
<oml:feature><oml:index>0</oml:index><oml:name>id</oml:name><oml:data_type>numeric</oml:data_type>
  <oml:is_target>false</oml:is_target><oml:is_ignore>false</oml:is_ignore>
  <oml:is_row_identifier>true</oml:is_row_identifier></oml:feature>
<oml:feature><oml:index>1</oml:index><oml:name>V1</oml:name><oml:data_type>numeric</oml:data_type>
  <oml:is_target>false</oml:is_target><oml:is_ignore>false</oml:is_ignore></oml:feature>
<oml:feature><oml:index>2</oml:index><oml:name>colour</oml:name><oml:data_type>nominal</oml:data_type>
  <oml:is_target>false</oml:is_target><oml:is_ignore>false</oml:is_ignore></oml:feature>
<oml:feature><oml:index>3</oml:index><oml:name>class</oml:name><oml:data_type>nominal</oml:data_type>
  <oml:is_target>true</oml:is_target><oml:is_ignore>false</oml:is_ignore></oml:feature>
</oml:data_features>
"""
ARFF = """@RELATION demo
@ATTRIBUTE id NUMERIC
@ATTRIBUTE V1 NUMERIC
@ATTRIBUTE colour {red,blue}
@ATTRIBUTE class {a,b}
@DATA
1,0.5,red,a
2,1.5,blue,b
3,2.5,red,b
"""


def test_openml_layout(tmp_path):
    (tmp_path / 'features.xml').write_text(FEATURES_XML)
    (tmp_path / 'dataset.arff').write_text(ARFF)
    schema = schema_from_openml(str(tmp_path / 'features.xml'))
    assert schema.numeric == ['V1'] and schema.categorical == ['colour'] and schema.target == 'class'
    assert schema.ignore == ['id'] and schema.task == 'classification'
    ds = TabularDataset(str(tmp_path), 'dataset.arff', 'openml')
    x, y = ds.arrays()
    assert x.shape == (3, 2) and x[:, 1].tolist() == [1., 0., 1.] and y.tolist() == [0, 1, 1]
    (tmp_path / 'dataset.arff').write_text(ARFF.replace('2,1.5,blue', '2,?,blue'))
    with pytest.raises(ValueError, match="missing value in column 'V1', row 2"):
        TabularDataset(str(tmp_path), 'dataset.arff', 'openml')


def test_parquet_needs_an_engine(tmp_path):
    pd = pytest.importorskip('pandas')
    frame = pd.DataFrame(dict(a=[1., 2.], y=['p', 'q']))
    try:
        frame.to_parquet(tmp_path / 'table.parquet')
    except ImportError:
        (tmp_path / 'table.parquet').write_bytes(b'PAR1')
        with pytest.raises(ImportError, match='pip install pyarrow'):
            TabularDataset(str(tmp_path), 'table.parquet', dict(numeric=['a'], target='y'))
        return
    ds = TabularDataset(str(tmp_path), 'table.parquet', dict(numeric=['a'], target='y'))
    assert len(ds) == 2


def test_sklearn_demo_tables(tmp_path):
    summary = write_sklearn_table(str(tmp_path), 'diabetes', seed=0)
    assert summary['rows'] == 442 and summary['categorical'] == 1 and summary['task'] == 'regression'
    root = osp.join(str(tmp_path), 'diabetes')
    ds = TabularDataset(root, 'table.csv', 'schema.json', split='train')
    assert ds.num_numeric == 9 and ds.cardinalities == [2] and len(ds) == summary['train']
    write_sklearn_table(str(tmp_path), 'iris', seed=0)
    test = TabularDataset(osp.join(str(tmp_path), 'iris'), 'table.csv', 'schema.json', split='test')
    assert np.bincount(test.arrays()[1]).tolist() == [10, 10, 10]  # stratified 60 / 20 / 20


def test_minmax_over_all_rows_as_the_official_loader(tmp_path):
    """``numeric_scaling='minmax'`` with ``train_split=None``: every split scaled with the minimum and maximum
    of all rows (the official T-JEPA pretraining loader), categories coded over all rows; a constant column
    gives 0 (scikit-learn's MinMaxScaler)."""
    root = write(tmp_path)
    full = TabularDataset(root, 'table.csv', 'schema.json', split=None, train_split=None, numeric_scaling='minmax')
    x = full.arrays()[0]
    assert np.allclose(x[:, 0], [0., .5, 1., .25, .75]) and np.allclose(x[:, 1], [0., .5, .25, .75, 1.])
    test = TabularDataset(root, 'table.csv', 'schema.json', split='test', train_split=None,
                          numeric_scaling='minmax')
    assert np.allclose(test.arrays()[0][0, :2], [.75, 1.])
    const = CSV.replace('1.0,10', '1.0,7').replace('3.0,30', '3.0,7').replace('5.0,20', '5.0,7') \
        .replace('2.0,40', '2.0,7').replace('4.0,50', '4.0,7')
    root = write(tmp_path, const)
    assert np.allclose(TabularDataset(root, 'table.csv', 'schema.json', train_split=None,
                                      numeric_scaling='minmax').arrays()[0][:, 1], 0.)
    with pytest.raises(ValueError, match="numeric_scaling='robust'"):
        TabularDataset(root, 'table.csv', 'schema.json', numeric_scaling='robust')
