# seq-JEPA on the embedded 3DIEBench-layout demo (coloured polyhedra under known rotations, 32 px), scaled to the CPU:
# the CIFAR ResNet-18 at a quarter of the width (stem and base 16 channels: z_i in R^128), action embedding 32,
# aggregator tokens 160 (4 heads, FFN 640), predictor 192 -> 256 -> 128; everything else is the official recipe
# (sequence length 3, rotation quaternion actions, EMA 0.996 -> 1, 1 - cos, AdamW 4e-4 / 1e-3), 2 warm-up epochs.
#   python tools/dataset_converters/make_demo_data.py --out data/demo --sets objects3d
#   python tools/train.py configs/demo/seqjepa_resnet18-w16-cifar_1xb32-30e_demo-objects3d-32px.py
#   python tools/analysis_tools/seqjepa_eval.py THIS work_dirs/<run>/epoch_30.pth --out seqjepa_eval.json
_base_ = [
    '../_base_/models/seqjepa_resnet18.py',
    '../_base_/datasets/objects3d_demo_seqjepa.py',
    '../_base_/schedules/seqjepa_adamw.py',
    '../_base_/default_runtime.py',
]
model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(type='JEPAResNetCIFAR', stem_channels=16, base_channels=16),
    aggregator=dict(action_embed_dims=32),
    predictor=dict(hidden_dims=256))
max_epochs = 30
warmup_epochs = 2
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-5 / 4e-4, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=10))
# every shared hook; the demo's 6 iterations per epoch make the collapse monitor's 50-step interval too long
demo_hook_settings = dict(CollapseMonitorHook=dict(interval=30, min_rank=5, min_std=0.01),
                          ProvenanceHook=dict(data='demo-objects3d'))
custom_hooks = [dict(hook, **demo_hook_settings.get(hook['type'], {})) for hook in _base_.custom_hooks]
