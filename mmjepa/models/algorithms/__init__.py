# Copyright (c) mmjepa contributors. All rights reserved.
from .base import BaseJEPA
from .dmtjepa import DMTJEPA
from .ecijepa import ECIJEPA
from .ijepa import IJEPA

__all__ = ['BaseJEPA', 'DMTJEPA', 'ECIJEPA', 'IJEPA']
