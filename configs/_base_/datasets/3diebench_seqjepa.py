# 3DIEBench (facebookresearch/SIE: 52,472 ShapeNet objects of 55 classes, 50 rendered views each with their rotation
# latents) as seq-JEPA's official loader reads it: sequences of 4 distinct random views (3 observed + 1 predicted)
# resized to 128 px, normalised with the official 3DIEBench statistics; action = the quaternion of R_i^-1 R_{i+1}.
# data_root holds the synset folders; the object lists are the official seq-jepa/data/3DIEBench/{train,val}_*.npy
# (copy them into data_root).
data_root = 'data/3DIEBench/'
num_views = 4
img_size = 128
data_preprocessor = dict(type='SelfSupDataPreprocessor', mean=[127.9, 128.4, 129.0], std=[26.3, 25.5, 24.7],
                         to_rgb=True)
train_pipeline = [
    dict(type='LoadRenderedViews', num_views=num_views, action='rot', img_size=img_size),
    dict(type='PackInputs', algorithm_keys=['actions']),
]
train_dataloader = dict(
    batch_size=512,
    num_workers=8,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='ResumableSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='SeededDataset', dataset=dict(
        type='RenderedObjectsDataset', data_root=data_root, ann_file='train_images.npy',
        labels_file='train_labels.npy', views_per_object=50, pipeline=train_pipeline)))
