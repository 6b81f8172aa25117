# T-JEPA pretraining rows of an OpenML dataset in the layout `openml` caches (dataset.pq or dataset.arff and
# features.xml; jannis is OpenML 41168): the schema comes from features.xml (numeric / nominal / target /
# ignored), numeric columns MinMax-scaled to [0, 1] over all rows, in table order (no shuffle, the last partial
# batch kept): the official pretraining loader.
data_root = 'data/openml/jannis/'
train_dataloader = dict(
    batch_size=512,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,  # the official loader keeps the last partial batch
    sampler=dict(type='ResumableSampler', shuffle=False),  # the official loader does not shuffle
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='TabularDataset', data_root=data_root, table='dataset.pq', schema='openml',
                 train_split=None, numeric_scaling='minmax'))
