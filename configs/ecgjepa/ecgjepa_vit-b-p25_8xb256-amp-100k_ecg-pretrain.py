# ECG-JEPA ViT-B: the ViT-S recipe with the B encoder and its predictor (384 wide, 12 blocks).
_base_ = ['./ecgjepa_vit-s-p25_8xb256-amp-100k_ecg-pretrain.py']
model = dict(backbone=dict(arch=dict(_base_.ecg_archs['b'], _delete_=True)),
             predictor=dict(predictor_dims=384, depth=12))
