# SAR-JEPA ViT-B/16 (224 px, one channel), 4 GPUs x 75 (global batch 300, the official), 300 epochs on the SAR
# pretraining mix (configs/_base_/datasets/sar_pretrain.py). Transfer the *online* encoder (there is no EMA
# target): prefix 'backbone.' (configs/sarjepa/README.md).
_base_ = [
    '../_base_/models/sarjepa_vit-base-p16.py',
    '../_base_/datasets/sar_pretrain.py',
    '../_base_/schedules/sarjepa_adamw.py',
    '../_base_/default_runtime.py',
]
# The pretraining runtime minus the EMA hook (nothing to update) and the collapse monitor's RGB assumptions stay
# valid: CollapseMonitorHook reads the encoder to evaluate, here the online one.
# One window placement (and mask draw) per 75 images, as the official code draws per GPU batch of 75, on any number
# of GPUs (model.mask_group_size; None draws once for the whole global batch).
model = dict(mask_group_size=75)
