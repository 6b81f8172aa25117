# Copyright (c) mmjepa contributors. All rights reserved.
from .dmtjepa import DMTJEPA
from .ecijepa import ECIJEPA
from .ijepa import IJEPA

__all__ = ['DMTJEPA', 'ECIJEPA', 'IJEPA']
