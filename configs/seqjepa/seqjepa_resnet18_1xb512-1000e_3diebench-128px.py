# seq-JEPA on 3DIEBench at 128 px (the official script scripts/script_transformed_views.sh): ResNet-18 (ImageNet stem,
# as the official run without --cifar-resnet), sequence length 3, rotation actions, batch 512 on one GPU, 1000 epochs.
#   python tools/train.py configs/seqjepa/seqjepa_resnet18_1xb512-1000e_3diebench-128px.py
_base_ = [
    '../_base_/models/seqjepa_resnet18.py',
    '../_base_/datasets/3diebench_seqjepa.py',
    '../_base_/schedules/seqjepa_adamw.py',
    '../_base_/default_runtime.py',
]
model = dict(data_preprocessor={{_base_.data_preprocessor}})
default_hooks = dict(checkpoint=dict(interval=100))
