# Copyright (c) mmjepa contributors. All rights reserved.
from .bev_cell_loss import BEVCellJEPALoss
from .prediction_loss import JEPAPredictionLoss

__all__ = ['BEVCellJEPALoss', 'JEPAPredictionLoss']
