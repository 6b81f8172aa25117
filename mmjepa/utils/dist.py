# Copyright (c) mmjepa contributors. All rights reserved.
"""Distributed runs on CPU (gloo): mmengine 0.10.7 calls ``torch.cuda.set_device`` in ``init_dist`` and
wraps models in DDP with ``device_ids=[LOCAL_RANK]``, both of which fail without a GPU."""
import os

import torch


def setup_cpu_distributed(cfg) -> bool:
    """When ``cfg.launcher`` is set and no GPU is visible: start the gloo process group from the torchrun
    environment (the Runner then skips its own ``init_dist``) and wrap the model in DDP without device ids.
    Returns whether it did anything."""
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return False
    import torch.distributed as dist
    if cfg.launcher != 'pytorch':
        raise RuntimeError(f'CPU distributed runs support --launcher pytorch (torchrun), not {cfg.launcher}')
    if not dist.is_initialized():
        backend = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('backend', 'gloo')
        if backend != 'gloo':
            raise RuntimeError(f'No GPU is visible: set env_cfg.dist_cfg.backend=gloo (got {backend!r})')
        dist.init_process_group(backend='gloo', rank=int(os.environ['RANK']),
                                world_size=int(os.environ['WORLD_SIZE']))
    wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    return True


def teardown_distributed() -> None:
    """Wait for every rank, then destroy the process group: a gloo group left to the interpreter's exit can
    abort (SIGABRT) while another rank is still using it."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
