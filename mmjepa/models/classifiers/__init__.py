# Copyright (c) mmjepa contributors. All rights reserved.
from .crop_average import CropAverageClassifier

__all__ = ['CropAverageClassifier']
