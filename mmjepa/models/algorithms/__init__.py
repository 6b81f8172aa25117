# Copyright (c) mmjepa contributors. All rights reserved.
from .ijepa import IJEPA

__all__ = ['IJEPA']
