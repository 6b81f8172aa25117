# Copyright (c) mmjepa contributors. All rights reserved.
"""Progress of long loops: count, rate, elapsed time and ETA on stderr (mmengine's ``ProgressBar``), or nothing
when quiet. Depends on mmengine.utils only, so the demo-data generators use it without importing mmjepa."""
import sys
from typing import Iterable, Iterator, Optional, TypeVar

T = TypeVar('T')


def track(items: Iterable[T], total: Optional[int] = None, desc: str = '', quiet: bool = False) -> Iterator[T]:
    """Yield ``items``, drawing a progress bar of ``total`` steps (``len(items)`` when None) headed by ``desc``
    on stderr; ``quiet`` draws nothing. The bar ends with a newline when the loop completes."""
    if quiet:
        yield from items
        return
    from mmengine.utils import ProgressBar
    total = len(items) if total is None else total
    if desc:
        print(desc, file=sys.stderr, flush=True)
    bar = ProgressBar(total, file=sys.stderr)
    for item in items:
        yield item
        bar.update()
    sys.stderr.write('\n')
    sys.stderr.flush()
