"""Waits that a background job cuts short when the server stops.

A scheduled job retrying a feed sleeps between attempts (up to a minute with
backoff). On Ctrl-C the scheduler would otherwise wait for that sleep to end,
so the server took 10–15 s to stop. The scheduler thread binds its stop
event here; ``pause`` waits on it and raises ``Cancelled`` when it is set.
Outside the scheduler (the CLI, tests) ``pause`` is ``time.sleep``.

A command stopped by a signal unwinds with KeyboardInterrupt; the work it ends
on the way records ``stop_reason()``, which the command binds (``stopping_reason``)
so the row says what stopped it ("the job was stopped by SIGTERM").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

__all__ = ["Cancelled", "bind_stop_event", "pause", "stop_reason", "stopping_reason"]

_STOP: ContextVar[threading.Event | None] = ContextVar("threatvec_stop_event", default=None)
# Called when the work is interrupted (not before: which signal it was is known only then).
_WHY: ContextVar[Callable[[], str] | None] = ContextVar("threatvec_stop_reason", default=None)


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


@contextmanager
def stopping_reason(why: Callable[[], str]) -> Iterator[None]:
    """Inside this block, work interrupted by KeyboardInterrupt records ``why()`` as the reason."""
    token = _WHY.set(why)
    try:
        yield
    finally:
        _WHY.reset(token)


def stop_reason(default: str) -> str:
    """Why the work this thread runs is being interrupted: the bound reason, else ``default``."""
    why = _WHY.get()
    return why() if why is not None else default
