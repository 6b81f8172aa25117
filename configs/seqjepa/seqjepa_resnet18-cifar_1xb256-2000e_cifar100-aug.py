# seq-JEPA on CIFAR-100 with augmentation actions (the official CIFAR100_aug): the CIFAR ResNet-18 (3x3 stem, no
# max-pool); 4 views per image (3 observed + 1 predicted) of crop + flip, colour jitter, grey, blur (every observed
# view, 10 % of predicted ones) and solarisation (20 % of predicted views); the action of a step is the change of the
# 9 parameters (crop box, jitter factors, blur sigma). Batch 256, 2000 epochs.
#   python tools/train.py configs/seqjepa/seqjepa_resnet18-cifar_1xb256-2000e_cifar100-aug.py
_base_ = [
    '../_base_/models/seqjepa_resnet18.py',
    '../_base_/schedules/seqjepa_adamw.py',
    '../_base_/default_runtime.py',
]
data_preprocessor = dict(type='SelfSupDataPreprocessor', mean=[129.3, 124.1, 112.4], std=[68.2, 65.4, 70.4],
                         to_rgb=True)
model = dict(data_preprocessor=data_preprocessor, backbone=dict(type='JEPAResNetCIFAR'),
             aggregator=dict(action_dims=9, last_slot_input='zero'))  # the official augmentation path
train_pipeline = [
    # mmpretrain's CIFAR100 gives RGB arrays; the views come out BGR (to_rgb=True above makes them RGB again)
    dict(type='ParamAugmentedViews', num_views=4, size=32, channel_order='rgb'),
    dict(type='PackInputs', algorithm_keys=['actions']),
]
train_dataloader = dict(
    batch_size=256, num_workers=8, persistent_workers=True, drop_last=True,
    sampler=dict(type='ResumableSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='SeededDataset', dataset=dict(
        type='CIFAR100', data_root='data/cifar100/', split='train', pipeline=train_pipeline)))
max_epochs = 2000
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=100))
