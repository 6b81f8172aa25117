# ECG-JEPA attentive probe (configs/_base_/models/ecgjepa_vit-s_ptbxl-attnprobe.py) on PTB-XL, all statements
# (71 labels): 5000 steps of 128 random 2.5 s crops; every 2.5 s crop at 1.25 s evaluated, logits averaged;
# macro AUC on fold 10 at the best fold-9 checkpoint:
#   python tools/train.py THIS --cfg-options model.backbone.init_cfg.checkpoint=PRETRAIN.pth
#   python tools/test.py THIS work_dirs/THIS/best_multi-label_auc_iter_*.pth
_base_ = [
    '../../_base_/models/ecgjepa_vit-s_ptbxl-attnprobe.py',
    '../../_base_/datasets/ptbxl_all.py',
    '../../_base_/schedules/ecgjepa_attnprobe.py',
    '../../_base_/transfer_runtime.py',
]
benchmark_meta = dict(task='ptbxl-linear', dataset='ptb-xl')
model = dict(data_preprocessor={{_base_.data_preprocessor}}, head=dict(num_classes={{_base_.num_classes}}))
default_hooks = dict(checkpoint=dict(interval={{_base_.val_interval}}, save_best='multi-label/auc', rule='greater'))
