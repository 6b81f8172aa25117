# DMT-JEPA ViT-L/16, 224 px, ImageNet-1k, 600 epochs, 8 GPUs x 256, predictor depth 12 (official
# in1k_vitl16_ep600).
_base_ = ['./dmtjepa_vit-base-p16_8xb256-amp-600e_in1k.py']
model = dict(backbone=dict(arch='large'), predictor=dict(depth=12))
