# T-JEPA pretraining rows of an OpenML dataset in the layout `openml` caches (dataset.pq or dataset.arff and
# features.xml; jannis is OpenML 41168): the schema comes from features.xml (numeric / nominal / target /
# ignored), numeric columns are standardised with the statistics of the rows read (all rows: OpenML has no split
# column; give a CSV + schema with a split column to pretrain on a train split only).
data_root = 'data/openml/jannis/'
train_dataloader = dict(
    batch_size=512,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,  # the official loader keeps the last partial batch
    sampler=dict(type='ResumableSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='TabularDataset', data_root=data_root, table='dataset.pq', schema='openml'))
