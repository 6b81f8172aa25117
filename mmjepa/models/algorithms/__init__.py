# Copyright (c) mmjepa contributors. All rights reserved.
from .actjepa import ACTJEPA, temporal_ensemble
from .adljepa import ADLJEPA
from .base import BaseJEPA
from .dmtjepa import DMTJEPA
from .ecgjepa import ECGJEPA
from .ecijepa import ECIJEPA
from .ijepa import IJEPA
from .sarjepa import SARJEPA
from .seqjepa import SeqJEPA
from .tjepa import TJEPA

__all__ = ['ACTJEPA', 'ADLJEPA', 'BaseJEPA', 'temporal_ensemble', 'DMTJEPA', 'ECGJEPA', 'ECIJEPA', 'IJEPA', 'SARJEPA', 'SeqJEPA', 'TJEPA']
