# The embedded 3DIEBench-layout demo set (tools/dataset_converters/make_demo_data.py --sets objects3d): 5 classes of
# coloured polyhedra, 100 train / 40 val objects per class, 12 views each under uniformly random rotations, 32 px.
# Sequences of 4 distinct views (3 observed + 1 predicted); action = the quaternion of R_i^-1 R_{i+1}.
data_root = 'data/demo/objects3d/'
num_views = 4
data_preprocessor = dict(type='SelfSupDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                         to_rgb=True)
train_pipeline = [
    dict(type='LoadRenderedViews', num_views=num_views, action='rot', img_size=32),
    dict(type='PackInputs', algorithm_keys=['actions']),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='ResumableSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='SeededDataset', dataset=dict(
        type='RenderedObjectsDataset', data_root=data_root, ann_file='train_images.npy',
        labels_file='train_labels.npy', views_per_object=12, pipeline=train_pipeline)))
