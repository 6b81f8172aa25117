# A non-linear encoder: four bias-free layers 16 wide with ReLUs between them, small random initialisation
# (N(0, init_scale^(2/L) / fan_in)), trained with the JEPA objective on the study's two-mode static model.
# At the linear model's lr 0.5 it collapses (every projection below 1e-3 after t ~ 1300); lr 0.2 keeps it learning.
_base_ = ['./jepa_deep-linear-L4_static-2modes.py']
model = dict(encoder='mlp', init='random', width=16)
optim_wrapper = dict(optimizer=dict(lr=0.2))
train_cfg = dict(max_iters=10000)  # t = 2000
