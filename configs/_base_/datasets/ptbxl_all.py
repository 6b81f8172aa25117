# PTB-XL, all-statements task of ECG-JEPA's evaluation (arXiv 2410.13867): the 71 statements of
# scp_statements.csv as multi-label classes (sorted by code). Otherwise as ptbxl_superdiagnostic.py.
_base_ = ['./ptbxl_superdiagnostic.py']

task = 'all'
num_classes = 71

data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(dataset=dict(task=task))
val_dataloader = dict(dataset=dict(task=task))
test_dataloader = dict(dataset=dict(task=task))
