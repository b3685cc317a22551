"""Okta System Log connector against a local server speaking the System Log API."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.integrations.conftest import create, signals_of, sync
from tests.integrations.vendors import Reply, Request, vendor_server
from threatvec.shadow.models import ShadowService
from threatvec.store.engine import session_scope

TOKEN = "00okta-token-" + "Q" * 28 + "wxyz"


def _event(
    etype: str,
    minutes_ago: float,
    *,
    result: str = "SUCCESS",
    user: str = "ana@acme.test",
    target: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    published = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {
        "uuid": str(uuid.uuid4()),
        "published": published.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{published.microsecond // 1000:03d}Z",
        "eventType": etype,
        "severity": "WARN" if result != "SUCCESS" else "INFO",
        "displayMessage": etype,
        "actor": {"id": "00u1", "type": "User", "alternateId": user, "displayName": "Ana"},
        "client": {"ipAddress": "203.0.113.7", "geographicalContext": {"country": "Portugal"}},
        "outcome": {
            "result": result,
            "reason": "INVALID_CREDENTIALS" if result == "FAILURE" else None,
        },
        "target": target or [],
    }


class OktaLog:
    """GET /api/v1/logs: since (inclusive), ASCENDING, limit, an `after` cursor, Link next."""

    def __init__(self, url_holder: list[str]) -> None:
        self.events: list[dict[str, Any]] = []
        self.url = url_holder

    def __call__(self, req: Request) -> Reply:
        if req.headers.get("authorization") != f"SSWS {TOKEN}":
            return Reply(401, {"errorCode": "E0000011", "errorSummary": "Invalid token provided"})
        if req.path != "/api/v1/logs":
            return Reply(404, {"errorCode": "E0000022"})
        limit = int(req.q("limit", "100") or 100)
        since = req.q("since")
        rows = sorted(self.events, key=lambda e: e.get("published", ""))
        if since:
            rows = [e for e in rows if e.get("published", "") >= since]
        start = int(req.q("after", "0") or 0)
        page = rows[start : start + limit]
        nxt = f"{self.url[0]}/api/v1/logs?limit={limit}&after={start + len(page)}"
        if since:
            nxt += f"&since={since}"
        # Okta always sends rel="next" when polling, even on the last page.
        return Reply(200, page, {"Link": f'<{nxt}>; rel="next"'})


def test_okta_anomalies_ai_sign_in_pagination_retry_and_resume(
    api, session_factory, caplog
) -> None:
    holder: list[str] = []
    log = OktaLog(holder)
    chatgpt_app = [
        {
            "id": "0oa1",
            "type": "AppInstance",
            "alternateId": "ChatGPT Enterprise",
            "displayName": "ChatGPT Enterprise",
        }
    ]
    log.events = [
        _event("user.authentication.auth_via_mfa", 50, result="FAILURE"),
        _event("security.threat.detected", 49, result="DENY"),
        _event("policy.evaluate_sign_on", 48, result="DENY"),
        *[
            _event("user.session.start", 40 - i, result="FAILURE", user="bob@acme.test")
            for i in range(5)
        ],
        _event("user.authentication.sso", 30, target=chatgpt_app),
        _event("user.session.start", 20),  # a normal sign-in: no signal
        {**_event("user.session.start", 45), "uuid": None},  # malformed: no uuid
    ]
    caplog.set_level(logging.DEBUG)
    with vendor_server(log) as okta:
        holder.append(okta.url)
        made = create(
            api, {"kind": "okta", "base_url": okta.url, "api_token": TOKEN, "page_limit": 3}
        )
        assert TOKEN not in str(made) and made["secret_hint"] == "api_token ••••wxyz"
        okta.script = [429]  # rate-limited once, then served
        run = sync(api, made["id"])
        assert run["status"] == "partial", run
        assert run["skipped"] == 1 and run["retries"] >= 1 and run["pages"] >= 3
        assert run["fetched"] == 10 and run["ingested"] == 5
        assert all(r.headers["authorization"] == f"SSWS {TOKEN}" for r in okta.requests)
        first = okta.requests[0]
        assert first.q("sortOrder") == "ASCENDING" and first.q("since") and first.q("limit") == "3"
        assert any(r.q("after") for r in okta.requests), "the Link next header was not followed"

        kinds = sorted(
            s["kind"] for s in signals_of(session_factory, api.org.id, "integration.okta.")
        )
        assert kinds == sorted(
            [
                "integration.okta.mfa_failure",
                "integration.okta.threat_detected",
                "integration.okta.sign_on_denied",
                "integration.okta.failed_login_burst",
                "integration.okta.ai_app_sign_in",
            ]
        )
        ai = next(s for s in signals_of(session_factory, api.org.id, "integration.okta.ai_app"))
        # The catalog lists ChatGPT under both of OpenAI's domains.
        assert ai["service"] == "ChatGPT" and ai["domain"] in ("chatgpt.com", "chat.openai.com")
        assert ai["integration_id"] == made["id"]
        with session_scope(session_factory) as s:
            svc = s.scalar(
                select(ShadowService).where(
                    ShadowService.org_id == api.org.id, ShadowService.domain == ai["domain"]
                )
            )
            assert svc is not None and svc.source == "okta" and svc.users == 1

        # Caught up: a second sync reads nothing new and publishes nothing.
        before = len(signals_of(session_factory, api.org.id, "integration."))
        again = sync(api, made["id"])
        assert again["status"] == "ok" and again["fetched"] == 0 and again["ingested"] == 0
        assert len(signals_of(session_factory, api.org.id, "integration.")) == before

        # One new event later: exactly that one is read.
        log.events.append(_event("user.account.lock", 1, result="FAILURE"))
        third = sync(api, made["id"])
        assert third["fetched"] == 1 and third["ingested"] == 1
        got = api.get(f"/integrations/{made['id']}").json()
        assert got["last_status"] == "ok" and got["checkpoint"].startswith("events since")
        runs = api.get(f"/integrations/{made['id']}/runs").json()["items"]
        assert [r["status"] for r in runs] == ["ok", "ok", "partial"]
    assert TOKEN not in caplog.text


def test_okta_wrong_token_is_refused_without_leaking_it(api, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "00wrong-token-" + "Z" * 30
    with vendor_server(OktaLog([""])) as okta:
        made = create(api, {"kind": "okta", "base_url": okta.url, "api_token": wrong})
        test = api.post(f"/integrations/{made['id']}/test").json()
        assert test["ok"] is False and test["status_code"] == 401 and "refused" in test["message"]
        run = sync(api, made["id"])
        assert run["status"] == "error" and "refused" in run["error"]
        assert okta.requests[-1].headers["authorization"] == f"SSWS {wrong}"
        replies = [
            api.get(f"/integrations/{made['id']}").text,
            api.get("/integrations").text,
            api.get(f"/integrations/{made['id']}/runs").text,
            str(test),
        ]
    assert not any(wrong in r for r in replies)
    assert wrong not in caplog.text


def test_okta_connection_test_passes_with_the_right_token(api) -> None:
    with vendor_server(OktaLog([""])) as okta:
        made = create(api, {"kind": "okta", "base_url": okta.url, "api_token": TOKEN})
        test = api.post(f"/integrations/{made['id']}/test").json()
        assert test == {
            "ok": True,
            "status_code": 200,
            "message": "System Log readable with this token",
        }
        assert api.get(f"/integrations/{made['id']}").json()["last_test_ok"] is True


def test_failed_sign_ins_are_tracked_under_the_salted_pseudonym(api, session_factory) -> None:
    # The burst tracker keeps who failed to sign in between syncs, in the stored cursor;
    # a bare SHA-256 of the address is undone with the staff list, the org's salted one is not.
    import hashlib

    from threatvec.integrations.models import Integration
    from threatvec.shadow.m365 import user_pseudonym
    from threatvec.shadow.service import org_user_salt

    holder: list[str] = []
    log = OktaLog(holder)
    user = "carol@acme.test"
    log.events = [
        _event("user.session.start", 10 - i, result="FAILURE", user=user) for i in range(2)
    ]
    with vendor_server(log) as okta:
        holder.append(okta.url)
        made = create(api, {"kind": "okta", "base_url": okta.url, "api_token": TOKEN})
        assert sync(api, made["id"])["status"] == "ok"
    with session_scope(session_factory) as s:
        cursor = s.get(Integration, made["id"]).cursor
        salt = org_user_salt(session=s, org_id=api.org.id)
    bare = hashlib.sha256(user.encode()).hexdigest()
    assert list(cursor["failures"]) == [user_pseudonym(salt, user)]
    assert bare[:24] not in str(cursor) and user not in str(cursor)
