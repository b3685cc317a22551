"""The collector pause: nested and concurrent blocks share one pause; the host's choice wins."""

from __future__ import annotations

import gc
import threading
import time

import pytest

from threatvec.posture.gcpause import paused_gc, pauses_held


def _quiet() -> None:
    """Wait until no thread holds the pause (a background recompute may start any time)."""
    deadline = time.monotonic() + 30
    while pauses_held() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def _restore_gc() -> object:
    # A recompute left running by an earlier test (a server's debounced
    # recomputer) shares the process-wide pause; start from a quiet process.
    _quiet()
    assert pauses_held() == 0, "another thread keeps the collector paused"
    was = gc.isenabled()
    yield None
    if was:
        gc.enable()
    else:
        gc.disable()


def test_pause_nests_and_restores() -> None:
    gc.enable()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still holds the pause
    _quiet()  # a recompute of an earlier test's server may overlap the end
    assert gc.isenabled()


def test_restored_after_an_exception() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    _quiet()
    assert gc.isenabled()


def test_a_host_that_disabled_gc_keeps_it_disabled() -> None:
    gc.disable()
    with paused_gc():
        pass
    assert not gc.isenabled()


def test_overlapping_threads_reenable_once_the_last_leaves() -> None:
    gc.enable()
    inside, release = threading.Event(), threading.Event()

    def worker() -> None:
        with paused_gc():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(5)
    with paused_gc():
        pass
    assert not gc.isenabled()  # the worker is still inside
    release.set()
    t.join(5)
    _quiet()  # the last block to leave re-enables, whichever thread it is in
    assert gc.isenabled()
