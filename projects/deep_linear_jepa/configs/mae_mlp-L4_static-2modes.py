# The MLP encoder of jepa_mlp-L4_static-2modes.py trained with the MAE objective.
_base_ = ['./mae_deep-linear-L4_static-2modes.py']
model = dict(encoder='mlp', init='random', width=16)
