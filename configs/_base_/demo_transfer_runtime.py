# Runtime of the demo transfer configs (any scope: the config sets default_scope): transfer_runtime.py on the CPU,
# gloo for distributed runs, logs every few iterations.
_base_ = ['./models/demo_vit-tiny-6.py', './transfer_runtime.py']  # demo_arch, the demo pretraining's encoder
default_hooks = dict(logger=dict(interval=5))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
# The demo pretraining run (`make demo` / `make benchmark-demo`) and its target encoder.
pretrained = 'work_dirs/demo_ijepa/epoch_60.pth'
