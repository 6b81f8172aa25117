# Copyright (c) mmjepa contributors. All rights reserved.
from .position_conditioner import PositionConditioner

__all__ = ['PositionConditioner']
