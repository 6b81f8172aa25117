# Copyright (c) mmjepa contributors. All rights reserved.
"""Console hygiene for the command-line tools."""
import logging

from mmengine.logging import MMLogger


def init_weights_quietly(model) -> None:
    """``model.init_weights()`` without mmengine's per-parameter INFO lines (one per tensor)."""
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
