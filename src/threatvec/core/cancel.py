"""Waits that a background job cuts short when the server stops.

A scheduled job retrying a feed sleeps between attempts (up to a minute with
backoff). On Ctrl-C the scheduler would otherwise wait for that sleep to end,
so the server took 10–15 s to stop. The scheduler thread binds its stop
event here; ``pause`` waits on it and raises ``Cancelled`` when it is set.
Outside the scheduler (the CLI, tests) ``pause`` is ``time.sleep``.
"""

from __future__ import annotations

import threading
import time
from contextvars import ContextVar, Token

__all__ = ["Cancelled", "bind_stop_event", "pause"]

_STOP: ContextVar[threading.Event | None] = ContextVar("threatvec_stop_event", default=None)


class Cancelled(Exception):
    """The server is stopping; a job gave up its wait."""


def bind_stop_event(event: threading.Event) -> Token[threading.Event | None]:
    """Make ``pause`` in this thread (or context) end when ``event`` is set."""
    return _STOP.set(event)


def pause(seconds: float) -> None:
    """Sleep ``seconds``, or raise ``Cancelled`` as soon as the bound stop event is set."""
    event = _STOP.get()
    if event is None:
        time.sleep(seconds)
        return
    if event.wait(seconds):
        raise Cancelled("the server is stopping")
