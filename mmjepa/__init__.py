# Copyright (c) mmjepa contributors. All rights reserved.
"""mmjepa: JEPA self-supervised pretraining (I-JEPA and family) for the OpenMMLab ecosystem."""
from . import utils  # noqa: F401  (registers the checkpoint allow-list before anything loads)
from . import datasets, engine, models  # noqa: F401
from .version import __version__

__all__ = ['__version__']
