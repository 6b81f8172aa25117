# Copyright (c) mmjepa contributors. All rights reserved.
from .schedulers import WarmupCosineLR, WarmupCosineParamScheduler

__all__ = ["WarmupCosineLR", "WarmupCosineParamScheduler"]
