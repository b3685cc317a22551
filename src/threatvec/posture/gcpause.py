"""Hold off the cyclic garbage collector while a recompute builds its many small objects.

A full recompute allocates a few hundred thousand short-lived objects (rows,
facts, factors, scores) that hold no reference cycles. Each allocation burst
triggers generation scans over everything alive, and with 10,000 agents those
scans were half of the recompute's time (bench/README.md, "Posture
(database)"). Reference counting still frees every object as usual; only the
cycle detector waits until the outermost paused block ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc", "pauses_held"]

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cycle collector for the block; nested and concurrent blocks share one pause."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            # restore what the process had (a host that turned gc off keeps it off)
            if _depth == 0 and _was_enabled:
                gc.enable()


def pauses_held() -> int:
    """How many paused blocks are open now, in every thread."""
    with _lock:
        return _depth
