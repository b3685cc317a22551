"""The in-process scheduler: runs every due job, one thread per lane; on PostgreSQL one
replica per run."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from threatvec.core.cancel import bind_stop_event
from threatvec.jobs.registry import load_all_jobs
from threatvec.jobs.runner import run_job

__all__ = ["Scheduler"]

log = logging.getLogger("threatvec.scheduler")


class Scheduler:
    """One thread per job lane (see ``Job.lane``); within a lane, jobs run one after another."""

    def __init__(self, factory: sessionmaker[Session], *, tick_s: float = 30.0) -> None:
        self._factory = factory
        self._tick_s = tick_s
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, args=("default",), name="threatvec-scheduler", daemon=True
        )
        self._lanes: dict[str, threading.Thread] = {"default": self._thread}

    def start(self) -> None:
        for lane in sorted({j.lane for j in load_all_jobs().values()} - {"default"}):
            self._lanes[lane] = threading.Thread(
                target=self._loop, args=(lane,), name=f"threatvec-scheduler-{lane}", daemon=True
            )
        for thread in self._lanes.values():
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._lanes.values():
            if thread.is_alive():
                thread.join(timeout=5)

    def tick(self, lane: str | None = None) -> int:
        """Run every due job (of one lane, or of all); return how many job runs happened."""
        ran = 0
        for job in load_all_jobs().values():
            if self._stop.is_set():
                break
            if lane is not None and job.lane != lane:
                continue
            try:
                ran += len(run_job(self._factory, job, only_if_due=True) or [])
            except Exception:
                log.exception("scheduler could not run %s", job.name)
        return ran

    def _loop(self, lane: str) -> None:
        # A job's retry waits end when the server stops (see core.cancel).
        bind_stop_event(self._stop)
        # A short first wait lets the server finish starting before jobs compete for it.
        while not self._stop.wait(min(5.0, self._tick_s)):
            self.tick(lane)
            if self._stop.wait(self._tick_s):
                break
