"""Small jobs registered the way a domain registers its jobs, for as long as a test runs."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from threatvec.jobs.registry import JOBS, Job

# A key=value secret and a bearer token, as a failing HTTP client might print them.
SECRET = "s3cr3t-Value-0123456789"


class JobMaker:
    """Registers test jobs under fresh names (the database is shared by the whole session)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch

    def __call__(
        self,
        run: Callable[..., dict[str, Any] | None],
        *,
        per_org: bool = True,
        every_s: int = 3600,
        description: str = "a test job",
    ) -> Job:
        name = f"test.{uuid.uuid4().hex[:10]}"
        job = Job(name=name, interval_s=every_s, run=run, description=description, per_org=per_org)
        # monkeypatch takes it out again: a scheduler elsewhere must never run it.
        self._monkeypatch.setitem(JOBS, name, job)
        return job


@pytest.fixture
def make_job(monkeypatch: pytest.MonkeyPatch) -> JobMaker:
    return JobMaker(monkeypatch)


def failing(*, session: Any, org_id: str | None = None) -> None:
    """Fails the way a feed sync does, with the caller's org and a secret in the text."""
    raise RuntimeError(
        f"sync for org {org_id} failed: GET https://feed.example/x?api_key={SECRET} "
        f"(Authorization: Bearer {SECRET})"
    )
