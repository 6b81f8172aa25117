# T-JEPA demo rows: a real table that ships with scikit-learn (make_demo_data.py --sets tabular writes
# data/demo/tabular/<set>/table.csv + schema.json), the train split (60 %), numeric columns standardised with its
# statistics, categorical ones coded by its categories.
data_root = 'data/demo/tabular/breast_cancer/'
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    drop_last=True,
    sampler=dict(type='ResumableSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='TabularDataset', data_root=data_root, table='table.csv', schema='schema.json',
                 split='train'))
