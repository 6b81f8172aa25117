# Deep linear MAE (reconstruct y from x through the same encoder and a linear decoder), depth 4, on the study's
# two-mode static linear model.
_base_ = ['./jepa_deep-linear-L4_static-2modes.py']
model = dict(objective='mae')
optim_wrapper = dict(optimizer=dict(lr=0.1))
train_cfg = dict(max_iters=300)
