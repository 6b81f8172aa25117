# Runtime of the ImageNet pretraining recipes: the default runtime, with checkpoints as the official I-JEPA code
# writes them, once per epoch (`default_hooks.checkpoint`, interval 1). The default runtime's iteration checkpoint
# (`custom_hooks.0`, every 500 iterations there) is kept, atomic, but off (interval -1, mmengine's "never"): a ViT-H
# checkpoint is ~10 GB (online and EMA encoders, predictor, AdamW moments), written synchronously, and an epoch of
# the in1k ViT-H recipe is 625 iterations, so it wrote 2.25 of them per epoch. For preemptible jobs turn it on,
# e.g. `--cfg-options custom_hooks.0.interval=300`.
_base_ = ['./default_runtime.py']
custom_hooks = [dict(hook, interval=-1) if hook['type'] == 'CheckpointHook' else hook
                for hook in _base_.custom_hooks]
# DDP: gradients are views of the all-reduce buckets (no second copy of them: ~2.4 GiB at ViT-H in fp32), and the
# graph is static (every trained parameter gets a gradient every step, in the same order: I-JEPA, DMT-JEPA,
# EC-IJEPA), so DDP skips the per-step search for unused parameters and can reorder its buckets after the first
# step. Tested with 2 gloo processes (tests/test_fault_injection/test_ddp_options.py).
model_wrapper_cfg = dict(type='MMDistributedDataParallel', gradient_as_bucket_view=True, static_graph=True)
