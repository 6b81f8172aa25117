# Copyright (c) mmjepa contributors. All rights reserved.
from .algorithms import *  # noqa: F401,F403
from .backbones import *  # noqa: F401,F403
from .classifiers import *  # noqa: F401,F403
from .conditioners import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .mask_samplers import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .predictors import *  # noqa: F401,F403
from .target_generators import *  # noqa: F401,F403
from .tokenizers import *  # noqa: F401,F403
