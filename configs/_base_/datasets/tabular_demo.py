# T-JEPA demo rows: a real table that ships with scikit-learn (make_demo_data.py --sets tabular writes
# data/demo/tabular/<set>/table.csv + schema.json), loaded as the official pretraining loader does: every row of
# the table (the official code pretrains on the whole table; the downstream evaluation, tabular_eval.py, then
# uses its train / val / test split column), numeric columns MinMax-scaled to [0, 1] over all rows, categorical
# ones coded by their sorted categories, in table order (no shuffle), the last partial batch kept.
data_root = 'data/demo/tabular/breast_cancer/'
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='ResumableSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='TabularDataset', data_root=data_root, table='table.csv', schema='schema.json',
                 split=None, train_split=None, numeric_scaling='minmax'))
