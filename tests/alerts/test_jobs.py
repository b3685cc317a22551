"""The scheduled jobs through the real job runner: evaluate commits cursor and alerts together,
deliver drains the outbox with the server's settings."""

from __future__ import annotations

import pytest

from tests.alerts.conftest import TEST_SECRET_KEY, add_channel, add_rule
from tests.alerts.receivers import http_receiver
from tests.conftest import create_org
from threatvec.alerts import service
from threatvec.core.settings import get_settings
from threatvec.jobs.registry import load_all_jobs
from threatvec.jobs.runner import run_job
from threatvec.mcp.flows import RUG_PULL_SIGNAL
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope


@pytest.fixture
def server_settings(monkeypatch):
    monkeypatch.setenv("THREATVEC_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("THREATVEC_ALLOW_PRIVATE_OUTBOUND", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_evaluate_then_deliver_jobs(session_factory, box, server_settings) -> None:
    jobs = load_all_jobs()
    assert jobs["alerts.evaluate"].interval_s == 30
    org = create_org(session_factory)
    with http_receiver() as slack:
        with session_scope(session_factory) as s:
            cid = add_channel(
                s, org.id, box, "s", {"kind": "slack", "webhook_url": slack.url + "/slack/j"}
            )
            add_rule(s, org.id, {"trigger": "mcp_rug_pull"}, channel_ids=[cid])
        with session_scope(session_factory) as s:
            signals.publish(
                session=s, org_id=org.id, kind=RUG_PULL_SIGNAL, data={"server": "jobbed"}
            )
        [run] = run_job(session_factory, jobs["alerts.evaluate"], trigger="cli", org_id=org.id)
        assert run.outcome == "ok", run.error
        assert run.detail["alerts_created"] == 1 and run.detail["deliveries"] == 1
        [again] = run_job(session_factory, jobs["alerts.evaluate"], trigger="cli", org_id=org.id)
        assert again.detail["alerts_created"] == 0 and again.detail["signals"] == 0
        [sent] = run_job(session_factory, jobs["alerts.deliver"], trigger="cli", org_id=org.id)
        assert sent.outcome == "ok" and sent.detail["sent"] == 1
        assert "jobbed" in slack.requests[0].json()["text"]
        with session_scope(session_factory) as s:
            [alert] = service.list_recent_alerts(session=s, org_id=org.id)
            assert alert.status == "open"
