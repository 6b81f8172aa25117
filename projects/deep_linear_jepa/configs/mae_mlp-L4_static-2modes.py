# The MLP encoder of jepa_mlp-L4_static-2modes.py trained with the MAE objective.
_base_ = ['./mae_deep-linear-L4_static-2modes.py']
model = dict(encoder='mlp', init='random', width=16)
train_cfg = dict(max_iters=1500)  # the random start is slower than the balanced one: t = 150
