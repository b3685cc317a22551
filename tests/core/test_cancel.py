from __future__ import annotations

import contextvars
import threading

import pytest

from threatvec.core.cancel import Cancelled, bind_stop_event, pause


def test_pause_is_a_plain_sleep_outside_the_scheduler() -> None:
    pause(0.01)  # no stop event bound: nothing to cancel


def test_pause_ends_with_cancelled_when_the_bound_event_is_set() -> None:
    stop = threading.Event()
    outcome: list[BaseException | None] = []

    def job() -> None:
        bind_stop_event(stop)
        try:
            pause(600)
            outcome.append(None)
        except Cancelled as exc:
            outcome.append(exc)

    worker = threading.Thread(target=job)
    worker.start()
    stop.set()
    worker.join(30)
    assert not worker.is_alive()
    assert isinstance(outcome[0], Cancelled)


def test_a_set_event_cancels_at_once_and_other_contexts_are_untouched() -> None:
    stop = threading.Event()
    stop.set()

    def bound() -> None:
        bind_stop_event(stop)
        with pytest.raises(Cancelled):
            pause(600)

    contextvars.copy_context().run(bound)
    pause(0)  # this context never bound the event
