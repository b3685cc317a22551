"""Netskope DLP alerts → Shadow AI PII events, against a local REST API v2 server."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from tests.integrations.conftest import create, salt_reads, signals_of, sync
from tests.integrations.vendors import Reply, Request, vendor_server
from threatvec.shadow import service as shadow
from threatvec.shadow.m365 import user_pseudonym
from threatvec.shadow.models import ShadowEvent, ShadowService
from threatvec.store.engine import session_scope

TOKEN = "nsk-token-" + "a1b2" * 8
SSN = "123-45-6789"


def _alert(i: int, **fields: Any) -> dict[str, Any]:
    base = {
        "_id": f"f1e2d3c4b5a6{i:08d}",
        "timestamp": int(time.time()) - 600 + i,
        "alert_type": "DLP",
        "alert_name": "DLP to GenAI",
        "app": "ChatGPT",
        "appcategory": "Generative AI",
        "url": "https://chatgpt.com/backend-api/conversation",
        "activity": "Post",
        "action": "alert",
        "user": "ana@acme.test",
        "dlp_profile": "PII - US SSN",
        "dlp_rule": "US Social Security Number",
        "dlp_rule_count": 3,
        "dlp_file": "payroll.xlsx",
        "dlp_match": SSN,  # a matched value the connector must never keep
    }
    base.update(fields)
    return base


class NetskopeAlerts:
    """GET /api/v2/events/data/alert with the Netskope-Api-Token header; offset/limit paging."""

    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []

    def __call__(self, req: Request) -> Reply:
        if req.headers.get("netskope-api-token") != TOKEN:
            return Reply(401, {"ok": 0, "error": "Invalid token"})
        if req.path != "/api/v2/events/data/alert":
            return Reply(404, {"ok": 0})
        start, end = int(req.q("starttime") or 0), int(req.q("endtime") or 0)
        limit, offset = int(req.q("limit") or 100), int(req.q("offset") or 0)
        rows = [a for a in self.alerts if start <= int(a.get("timestamp") or 0) <= end]
        return Reply(200, {"ok": 1, "result": rows[offset : offset + limit]})


def test_netskope_dlp_to_ai_becomes_pii_events_once(api, session_factory) -> None:
    api_alerts = NetskopeAlerts()
    api_alerts.alerts = [
        _alert(1),
        _alert(
            2,
            dlp_profile="PCI-DSS",
            dlp_rule="Credit card numbers",
            activity="Upload",
            dlp_rule_count=1,
        ),
        _alert(3, app="Dropbox", appcategory="Cloud Storage", url="https://www.dropbox.com/upload"),
        _alert(4, alert_type="malware"),
        {"alert_type": "DLP", "timestamp": int(time.time()) - 300},  # malformed: no _id
        _alert(
            5,
            url="https://claude.ai/api/append_message",
            app="Claude",
            dlp_profile="Custom profile 7",
            dlp_rule="Project Falcon",
        ),
    ]
    with vendor_server(api_alerts) as netskope:
        made = create(
            api,
            {
                "kind": "netskope",
                "base_url": netskope.url,
                "api_token": TOKEN,
                "page_limit": 2,
                "lag_seconds": 0,
            },
        )
        netskope.script = [429]
        run = sync(api, made["id"])
        assert run["status"] == "partial" and run["skipped"] == 1 and run["retries"] == 1
        assert run["fetched"] == 6 and run["ingested"] == 3 and run["pages"] >= 3
        assert all(r.q("type") == "dlp" for r in netskope.requests)

        sigs = signals_of(session_factory, api.org.id, "integration.netskope.")
        by_alert = {s["alert_id"]: s for s in sigs}
        assert by_alert["f1e2d3c4b5a600000001"]["categories"] == ["US_SSN"]
        assert by_alert["f1e2d3c4b5a600000002"]["categories"] == ["CREDIT_CARD"]
        assert by_alert["f1e2d3c4b5a600000005"]["unmapped_profiles"] == 2
        with session_scope(session_factory) as s:
            events = list(
                s.scalars(
                    select(ShadowEvent).where(
                        ShadowEvent.org_id == api.org.id, ShadowEvent.source == "netskope"
                    )
                )
            )
            assert len(events) == 3
            ssn = next(e for e in events if e.pii_categories == ["US_SSN"])
            assert ssn.pii_counts == {"US_SSN": 3} and ssn.event_type == "submit"
            assert (
                next(e for e in events if e.pii_categories == ["CREDIT_CARD"]).event_type
                == "upload"
            )
            svc = s.scalar(
                select(ShadowService).where(
                    ShadowService.org_id == api.org.id, ShadowService.domain == "chatgpt.com"
                )
            )
            assert svc is not None and svc.pii_uploads == 2
            stored = repr([(e.signals, e.domain, e.pii_counts) for e in events]) + repr(sigs)
        assert SSN not in stored and "payroll" not in stored and "backend-api" not in stored
        assert "ana@acme.test" not in stored

        again = sync(api, made["id"])
        assert again["ingested"] == 0
        assert len(signals_of(session_factory, api.org.id, "integration.netskope.")) == 3


def test_netskope_rejects_a_wrong_token(api) -> None:
    with vendor_server(NetskopeAlerts()) as netskope:
        made = create(
            api, {"kind": "netskope", "base_url": netskope.url, "api_token": "nope-" + "x" * 20}
        )
        result = api.post(f"/integrations/{made['id']}/test").json()
        assert result["ok"] is False and result["status_code"] == 401
        good = create(
            api, {"kind": "netskope", "base_url": netskope.url, "api_token": TOKEN}, name="good"
        )
        assert api.post(f"/integrations/{good['id']}/test").json()["ok"] is True


def test_a_run_reads_the_user_salt_once_for_all_its_pages(api, engine, session_factory) -> None:
    with session_scope(session_factory) as s:
        salt = shadow.org_user_salt(session=s, org_id=api.org.id)
    users = ["ana@acme.test", "bob@acme.test", "cy@acme.test"]
    api_alerts = NetskopeAlerts()
    api_alerts.alerts = [_alert(i, user=users[i % 3]) for i in range(9)]
    with vendor_server(api_alerts) as netskope:
        made = create(
            api,
            {
                "kind": "netskope",
                "base_url": netskope.url,
                "api_token": TOKEN,
                "page_limit": 2,
                "lag_seconds": 0,
            },
        )
        with salt_reads(engine, api.org.id) as reads:
            run = sync(api, made["id"])
    assert run["ingested"] == 9 and run["pages"] == 5
    assert len(reads) == 1, reads  # was one read per alert
    with session_scope(session_factory) as s:
        hashes = set(
            s.scalars(
                select(ShadowEvent.user_hash).where(
                    ShadowEvent.org_id == api.org.id, ShadowEvent.source == "netskope"
                )
            )
        )
    assert hashes == {user_pseudonym(salt, u) for u in users}
