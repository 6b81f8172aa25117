# Full fine-tuning on PTB-XL's single-label superdiagnostic task (see the attentive-probe config of this task).
_base_ = ['./vit-s-p25_ecgjepa-pre_ft-1xb128-10k_ptbxl-all.py']
num_classes = 5
data_preprocessor = dict(num_classes=num_classes)
single_label = dict(task='superdiagnostic', single_label=True)
train_dataloader = dict(dataset=single_label)
val_dataloader = dict(dataset=single_label)
test_dataloader = dict(dataset=single_label)
model = dict(data_preprocessor=data_preprocessor,
             head=dict(num_classes=num_classes, multi_label=False, loss=dict(type='CrossEntropyLoss')))
