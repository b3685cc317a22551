"""Periodic jobs, declared by the domains that own them.

A job is a function ``run(*, session, org_id) -> dict | None`` run once per org
(its return value is kept on the run record), or once in all when
``per_org=False`` (then org_id is None).

Every org sees a global job's runs, but its result only with
``result_for_all=True``: a feed sync's counts are the same for everyone, while
a prune across orgs adds up their volumes and the OSV sync names packages of
every org's stack.

Jobs in one ``lane`` run one after another; each lane has its own scheduler
thread, so a long feed sync never delays alert evaluation and delivery.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["JOBS", "JOB_MODULES", "Job", "job", "load_all_jobs"]

JobFunc = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class Job:
    name: str
    interval_s: int
    run: JobFunc
    description: str
    per_org: bool = True
    lane: str = "default"
    result_for_all: bool = False


JOBS: dict[str, Job] = {}

# Modules whose import registers jobs; a domain with jobs appends its module.
JOB_MODULES = [
    "threatvec.signals.jobs",
    "threatvec.vulns.jobs",
    "threatvec.redteam.jobs",
    "threatvec.posture.jobs",
    "threatvec.shadow.jobs",
    "threatvec.alerts.jobs",
    "threatvec.integrations.jobs",
    "threatvec.jobs.jobs",
    "threatvec.retention.jobs",
]


def job(
    name: str,
    *,
    every_s: int,
    description: str,
    per_org: bool = True,
    lane: str = "default",
    result_for_all: bool = False,
) -> Callable[[JobFunc], JobFunc]:
    def register(fn: JobFunc) -> JobFunc:
        JOBS[name] = Job(
            name=name,
            interval_s=every_s,
            run=fn,
            description=description,
            per_org=per_org,
            lane=lane,
            result_for_all=result_for_all,
        )
        return fn

    return register


def load_all_jobs() -> dict[str, Job]:
    for module in JOB_MODULES:
        importlib.import_module(module)
    return JOBS
