"""The probe mailbox (redteam_probe_deliveries) is emptied an hour after each delivery expired.

Every probe sent to an SDK-served agent left a row (the probe's text and the agent's
reply) that nothing deleted. The hourly job runs through the real job runner on a
database of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import create_org, make_migrated_engine, new_database_url
from threatvec.core.clock import utcnow
from threatvec.jobs.registry import load_all_jobs
from threatvec.jobs.runner import run_job
from threatvec.redteam.models import ProbeDelivery
from threatvec.store.engine import make_session_factory

pytestmark = pytest.mark.db


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_migrated_engine(new_database_url(tmp_path))
    yield make_session_factory(engine)
    engine.dispose()


def test_deliveries_go_an_hour_after_they_expired_whatever_their_status(factory) -> None:
    orgs = [create_org(factory).id, create_org(factory).id]
    now = utcnow()
    # (status, expired this long ago; negative: still open) -> kept?
    cases = {
        "answered-long-ago": ("answered", timedelta(hours=3), False),
        "expired-long-ago": ("expired", timedelta(hours=1, minutes=5), False),
        "never-claimed-long-ago": ("pending", timedelta(days=2), False),
        "answered-recently": ("answered", timedelta(minutes=50), True),
        "expired-recently": ("expired", timedelta(minutes=5), True),
        "still-waiting": ("pending", timedelta(minutes=-10), True),
        "delivered-in-flight": ("delivered", timedelta(minutes=-1), True),
    }
    with factory() as s:
        for i, (probe_id, (status, ago, _)) in enumerate(cases.items()):
            expires = now - ago
            s.add(ProbeDelivery(id=probe_id, org_id=orgs[i % 2], agent="a", status=status,
                                envelope={"prompt": "p"}, created_at=expires - timedelta(minutes=2),
                                expires_at=expires))  # fmt: skip
        s.commit()

    job = load_all_jobs()["redteam.prune_probe_deliveries"]
    [run] = run_job(factory, job) or []
    assert run.outcome == "ok", run.error
    assert run.detail == {"deleted": 3}
    with factory() as s:
        left = set(s.scalars(select(ProbeDelivery.id)))
    assert left == {k for k, (_, _, kept) in cases.items() if kept}  # both orgs' rows pruned
    [again] = run_job(factory, job) or []
    assert again.detail == {"deleted": 0}
