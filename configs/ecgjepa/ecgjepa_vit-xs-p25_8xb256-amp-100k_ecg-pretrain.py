# ECG-JEPA ViT-XS: the ViT-S recipe with the XS encoder and its predictor (96 wide, 8 blocks).
_base_ = ['./ecgjepa_vit-s-p25_8xb256-amp-100k_ecg-pretrain.py']
model = dict(backbone=dict(arch=dict(_base_.ecg_archs['xs'], _delete_=True)),
             predictor=dict(predictor_dims=96, depth=8))
