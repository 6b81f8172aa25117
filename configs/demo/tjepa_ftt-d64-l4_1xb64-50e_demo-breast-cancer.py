# T-JEPA on the breast cancer table shipped with scikit-learn (569 rows, 30 numeric columns; pretrained on every row):
# the jannis recipe (width 64, 2 heads, FF 64, LN-Linear-LN; predictor 16 wide, 4 heads; jannis' mask shares;
# EMA 0.996 -> 1; MSE; every row of the table, MinMax-scaled, in order) with 4 encoder and 4 predictor blocks,
# batch 64, 50 epochs (5 warm-up): about a minute on one CPU core.
#   python tools/dataset_converters/make_demo_data.py --out data/demo --sets tabular
#   python tools/train.py configs/demo/tjepa_ftt-d64-l4_1xb64-50e_demo-breast-cancer.py
#   python tools/analysis_tools/tabular_eval.py configs/demo/tjepa_ftt-d64-l4_1xb64-50e_demo-breast-cancer.py \
#       work_dirs/tjepa_ftt-d64-l4_1xb64-50e_demo-breast-cancer/epoch_50.pth
# The other scikit-learn sets: the configs next to this one (wine, digits, iris, diabetes).
_base_ = [
    '../_base_/models/tjepa_jannis.py',
    '../_base_/datasets/tabular_demo.py',
    '../_base_/schedules/tjepa_adamw.py',
    '../_base_/default_runtime.py',
]
num_numeric = 30
cardinalities = []
model = dict(
    backbone=dict(arch=dict(num_layers=4), tokenizer=dict(num_numeric=num_numeric, cardinalities=cardinalities)),
    predictor=dict(depth=4))
max_epochs = 50
warmup_epochs = 5
param_scheduler = [
    dict(type='WarmupCosineLR', start_factor=0., warmup=warmup_epochs, eta_min=0., timing='mmengine',
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
]
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=50))
