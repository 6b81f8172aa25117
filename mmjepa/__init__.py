# Copyright (c) mmjepa contributors. All rights reserved.
"""mmjepa: JEPA self-supervised pretraining (I-JEPA and family) for the OpenMMLab ecosystem."""
# First of all: let mmpretrain 1.2.0 import beside transformers 5 (mmjepa.utils.compat). Importing
# mmjepa.utils also registers the checkpoint allow-list before anything loads.
from .utils.compat import explain_mmpretrain_import_errors, patch_transformers_for_mmpretrain

patch_transformers_for_mmpretrain()

with explain_mmpretrain_import_errors():
    from . import datasets, engine, evaluation, models  # noqa: F401,E402
from .version import __version__  # noqa: E402

__all__ = ['__version__']
