# T-JEPA on jannis (OpenML 41168, 54 numeric columns, 4 classes), the official launch_tjepa.sh recipe: width 64,
# 16 blocks, batch 512, 300 epochs, lr 3.66e-4. Data in the OpenML layout (configs/_base_/datasets/
# tabular_openml_jannis.py).
_base_ = [
    '../_base_/models/tjepa_jannis.py',
    '../_base_/datasets/tabular_openml_jannis.py',
    '../_base_/schedules/tjepa_adamw.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=20))
