# Deep linear JEPA on the temporal linear model: consecutive pairs (x_t, x_{t+1}) of one stationary trajectory of
# x_{t+1} = rho * x_t + noise, whose per-mode variance is lambda (the same two (lambda, rho) modes as the static
# config: mode 0 is the large, fast-decorrelating one, mode 1 the slow, predictable one).
_base_ = ['./jepa_deep-linear-L4_static-2modes.py']
train_dataloader = dict(dataset=dict(process='temporal'))
