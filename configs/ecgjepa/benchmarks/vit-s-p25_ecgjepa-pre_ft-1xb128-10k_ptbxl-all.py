# ECG-JEPA full fine-tuning on PTB-XL, all statements (official configs/eval/finetune.yaml): the pretrained ViT-S
# target encoder with dropout 0.05, its register token read by a linear layer without bias (TokenClsHead,
# pool='first'); BCE averaged over classes; lr 1e-3 with 200 warm-up steps, cosine to 1e-5 over 10k steps; the
# best fold-9 checkpoint (validation every 100 steps, early stopping after 2000 steps without gain) on fold 10:
#   python tools/train.py THIS --cfg-options model.backbone.init_cfg.checkpoint=PRETRAIN.pth
#   python tools/test.py THIS work_dirs/THIS/best_multi-label_auc_iter_*.pth
_base_ = [
    '../../_base_/models/ecgjepa_vit-s_ptbxl-attnprobe.py',
    '../../_base_/datasets/ptbxl_all.py',
    '../../_base_/schedules/ecgjepa_finetune.py',
    '../../_base_/transfer_runtime.py',
]
benchmark_meta = dict(task='ptbxl-finetune', dataset='ptb-xl')
model = dict(
    data_preprocessor={{_base_.data_preprocessor}},
    backbone=dict(frozen=False, drop_rate=0.05),
    head=dict(_delete_=True, type='TokenClsHead', pool='first', num_classes={{_base_.num_classes}},
              in_channels={{_base_.backbone.arch.embed_dims}}))
default_hooks = dict(checkpoint=dict(interval={{_base_.val_interval}}, save_best='multi-label/auc', rule='greater'))
custom_hooks = [
    dict(type='TransferProvenanceHook'),
    dict(type='EarlyStoppingHook', monitor='multi-label/auc', rule='greater', patience=20),  # 20 validations
]
