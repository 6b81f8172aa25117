# Copyright (c) mmjepa contributors. All rights reserved.
from .prediction_loss import JEPAPredictionLoss

__all__ = ['JEPAPredictionLoss']
