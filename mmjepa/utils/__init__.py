# Copyright (c) mmjepa contributors. All rights reserved.
from .checkpoint import allow_mmengine_checkpoints

allow_mmengine_checkpoints()

__all__ = ['allow_mmengine_checkpoints']
