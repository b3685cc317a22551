"""Zscaler Cloud NSS deliveries → Shadow AI PII events, posted over real HTTP to a live server."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import Api, LiveServer, OrgHandle, create_org
from tests.integrations.conftest import create, salt_reads, signals_of
from threatvec.integrations import tokens
from threatvec.integrations.models import Integration, IntegrationRun
from threatvec.shadow import service as shadow
from threatvec.shadow.m365 import user_pseudonym
from threatvec.shadow.models import ShadowEvent
from threatvec.store.engine import session_scope

SSN = "123-45-6789"
FILE = "payroll-q3.xlsx"
PATH = "backend-api/conversation"
LOGIN = "ana@acme.test"


def _rec(i: int, **fields: Any) -> dict[str, Any]:
    """One web log record the way a JSON Cloud NSS feed writes it (every value a string)."""
    base = {
        "recordid": f"73536863968188{i:05d}",
        "epochtime": str(int(time.time()) - 600 + i),
        "time": "Mon Oct 16 22:55:48 2023",
        "login": LOGIN,
        "host": "chatgpt.com",
        "eurl": f"chatgpt.com/{PATH}",
        "urlcat": "AI and ML Applications",
        "appname": "ChatGPT",
        "appclass": "AI & ML Applications",
        "action": "Allowed",
        "dlpeng": "US PII",
        "dlpdict": "Social Security Number (US)",
        "dlpdicthitcount": "3",
        "dlpidentifier": SSN,  # stands in for any matched content: must never be kept
        "filename": "None",
        "filetype": "None",
    }
    base.update(fields)
    return base


def _hec(rec: dict[str, Any]) -> dict[str, Any]:
    return {"sourcetype": "zscalernss-web", "event": rec}


def _zscaler(api: Api, name: str = "zia", **settings: Any) -> dict[str, Any]:
    return create(api, {"kind": "zscaler", **settings}, name=name)


def _post(
    server: LiveServer, made: dict[str, Any], body: str | bytes, token: str | None = None
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if token is not False:
        headers["Authorization"] = f"Bearer {token or made['token']}"
    return httpx.post(
        server.url + made["receiver"]["path"], content=body, headers=headers, timeout=10
    )


def _events(factory: Any, org_id: str) -> list[ShadowEvent]:
    with session_scope(factory) as s:
        rows = s.scalars(
            select(ShadowEvent).where(ShadowEvent.org_id == org_id, ShadowEvent.source == "zscaler")
        )
        out = list(rows)
        s.expunge_all()
        return out


def test_create_issues_a_token_once_and_no_reply_shows_it_again(api, session_factory) -> None:
    made = _zscaler(api)
    token = made["token"]
    assert token.startswith("tvi_") and len(token) > 40
    receiver = made["receiver"]
    assert receiver["path"] == f"/api/v1/integrations/{made['id']}/zscaler/nss"
    assert receiver["header"] == "Authorization" and receiver["header_value"] == "Bearer <token>"
    assert token.startswith(receiver["token_hint"]) and len(receiver["token_hint"]) == 8

    got = api.get(f"/integrations/{made['id']}")
    listed = api.get("/integrations", params={"kind": "zscaler"})
    assert got.status_code == 200 and listed.status_code == 200
    for text in (got.text, listed.text, api.get(f"/integrations/{made['id']}/runs").text):
        assert token not in text and token[8:] not in text
    assert got.json()["receiver"]["path"] == receiver["path"]
    assert "token" not in got.json()
    with session_scope(session_factory) as s:
        row = s.get(Integration, made["id"])
        assert row is not None
        # Only the hash is kept; nothing on the row holds the plaintext.
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        stored = repr({c.name: getattr(row, c.name) for c in Integration.__table__.columns})
        assert token not in stored and token[8:] not in stored

    # A receive kind has nothing to sync and nothing to call; "test" says what arrived.
    assert api.post(f"/integrations/{made['id']}/sync").status_code == 409
    result = api.post(f"/integrations/{made['id']}/test").json()
    assert result["ok"] is False and "no delivery" in result["message"]
    assert (
        api.post(
            "/integrations",
            json={"name": "z", "settings": {"kind": "zscaler", "api_token": "x" * 20}},
        ).status_code
        == 422
    )


def test_ndjson_delivery_keeps_dlp_to_ai_as_categories_only(
    api, live_server, session_factory
) -> None:
    made = _zscaler(api, ai_categories=["Generative AI", "Approved GenAI"])
    lines = [
        json.dumps(_hec(_rec(1))),  # DLP to ChatGPT: accepted
        json.dumps(
            _hec(
                _rec(
                    2,
                    host="claude.ai",
                    eurl="claude.ai/api/append_message",
                    appname="Claude",
                    dlpeng="PCI",
                    dlpdict="Credit Cards|Unknown thing",
                    dlpdicthitcount="1",
                    filename=FILE,
                    filetype="xlsx",
                )
            )
        ),  # an upload with two dictionaries, one unmapped: accepted
        '{"recordid": "7353686396818899999", "host": "chatgpt.com", ',  # cut off: rejected
        json.dumps(
            _rec(
                3,
                host="www.dropbox.com",
                eurl="www.dropbox.com/upload",
                appname="Dropbox",
                urlcat="Online Storage",
                appclass="File Sharing",
            )
        ),  # DLP, but not to AI: ignored
        json.dumps(_rec(4, dlpeng="None", dlpdict="None", dlpdicthitcount="0")),  # no DLP hit
        json.dumps({k: v for k, v in _rec(5).items() if k != "recordid"}),  # no recordid
        json.dumps(
            _rec(
                6,
                host="llm.tools.acme.example",
                eurl="llm.tools.acme.example/v1/chat",
                appname="None",
                urlcat="Approved GenAI",
                appclass="None",
            )
        ),  # not in the catalog, but the admin's category says AI: accepted as unknown
        json.dumps(_rec(7, epochtime="soon", time="yesterday")),  # no usable time: rejected
    ]
    r = _post(live_server, made, "\n".join(lines) + "\n")
    assert r.status_code == 207, r.text
    body = r.json()
    assert body["received"] == 8
    assert sorted(body["accepted"]) == [
        "7353686396818800001",
        "7353686396818800002",
        "7353686396818800006",
    ]
    assert body["ignored"] == 2 and body["duplicates"] == []
    assert [(x["index"], x["reason"]) for x in body["rejected"]] == [
        (2, "record is not valid JSON"),
        (5, "record has no recordid"),
        (7, "record 7353686396818800007 has no valid epochtime or time"),
    ]

    events = {e.domain: e for e in _events(session_factory, api.org.id)}
    assert set(events) == {"chatgpt.com", "claude.ai", "llm.tools.acme.example"}
    gpt = events["chatgpt.com"]
    assert gpt.pii_categories == ["US_SSN"] and gpt.pii_counts == {"US_SSN": 3}
    assert gpt.event_type == "submit" and gpt.unknown_service is False
    assert gpt.user_hash and len(gpt.user_hash) == 64
    claude = events["claude.ai"]
    assert claude.event_type == "upload" and claude.pii_categories == ["CREDIT_CARD"]
    assert events["llm.tools.acme.example"].unknown_service is True

    sigs = signals_of(session_factory, api.org.id, "integration.zscaler.")
    assert len(sigs) == 3 and {s["kind"] for s in sigs} == {"integration.zscaler.dlp_to_ai"}
    by_id = {s["record_id"]: s for s in sigs}
    assert by_id["7353686396818800002"]["unmapped_dlp_names"] == 1
    assert by_id["7353686396818800001"]["service"] and by_id["7353686396818800001"]["matches"] == 3
    assert all(s["integration_id"] == made["id"] for s in sigs)
    with session_scope(session_factory) as s:
        runs = list(
            s.scalars(select(IntegrationRun).where(IntegrationRun.integration_id == made["id"]))
        )
        run_text = repr([(r.detail, r.error) for r in runs])
    stored = (
        repr(
            [
                {c.name: getattr(e, c.name) for c in ShadowEvent.__table__.columns}
                for e in events.values()
            ]
        )
        + repr(sigs)
        + run_text
    )
    for secret in (SSN, FILE, "payroll", PATH, "append_message", "/v1/chat", LOGIN):
        assert secret not in stored, secret

    # The delivery is a run: the Settings page shows it like a sync.
    got = api.get(f"/integrations/{made['id']}").json()
    assert got["last_status"] == "partial" and got["total_items"] == 3
    assert got["last_counts"] == {
        "fetched": 8,
        "ingested": 3,
        "forwarded": 0,
        "skipped": 3,
        "duplicates": 0,
    }
    run = api.get(f"/integrations/{made['id']}/runs").json()["items"][0]
    assert run["trigger"] == "receive" and run["status"] == "partial"
    assert run["detail"]["signals"] == {"integration.zscaler.dlp_to_ai": 3}
    result = api.post(f"/integrations/{made['id']}/test").json()
    assert result["ok"] is True and "last delivery" in result["message"]


def test_array_and_single_object_bodies_and_a_resent_batch_is_deduplicated(
    api, live_server, session_factory
) -> None:
    made = _zscaler(api)
    batch = [_rec(11), _hec(_rec(12, dlpdict="Credit Cards")), _rec(11)]  # 11 twice in one batch
    r = _post(live_server, made, json.dumps(batch))
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == ["7353686396818800011", "7353686396818800012"]
    assert r.json()["duplicates"] == ["7353686396818800011"]

    again = _post(live_server, made, json.dumps(batch, indent=2))  # Cloud NSS retries a batch
    assert again.status_code == 200
    assert again.json()["accepted"] == [] and len(again.json()["duplicates"]) == 3
    one = _post(live_server, made, json.dumps(_hec(_rec(13, dlpdict="Passport Numbers"))))
    assert one.status_code == 200 and one.json()["accepted"] == ["7353686396818800013"]
    # Zscaler's Splunk-style output: HEC objects back to back, no newline between them.
    back_to_back = json.dumps(_hec(_rec(14))) + json.dumps(_hec(_rec(15)))
    both = _post(live_server, made, back_to_back)
    assert both.status_code == 200 and len(both.json()["accepted"]) == 2

    assert len(_events(session_factory, api.org.id)) == 5
    assert len(signals_of(session_factory, api.org.id, "integration.zscaler.")) == 5
    empty = _post(live_server, made, "")  # the feed's connectivity test may post nothing
    assert empty.status_code == 200 and empty.json()["received"] == 0


def test_a_delivery_reads_the_user_salt_once_and_pseudonyms_stay_the_same(
    api, live_server, engine, session_factory
) -> None:
    made = _zscaler(api)
    users = [f"user{i}@acme.test" for i in range(4)]
    first = [_rec(30 + i, login=users[i % 4]) for i in range(12)]
    r = _post(live_server, made, json.dumps(first))  # the org's first: the salt is made here
    assert r.status_code == 200 and len(r.json()["accepted"]) == 12
    with session_scope(session_factory) as s:
        salt = shadow.org_user_salt(session=s, org_id=api.org.id)
    # the same pseudonym every source gives (Microsoft 365 imports use user_pseudonym too)
    assert {e.user_hash for e in _events(session_factory, api.org.id)} == {
        user_pseudonym(salt, u) for u in users
    }

    second = [_rec(50 + i, login=users[i % 4].upper()) for i in range(20)]
    with salt_reads(engine, api.org.id) as reads:
        r = _post(live_server, made, json.dumps(second))
    assert r.status_code == 200 and len(r.json()["accepted"]) == 20
    assert len(reads) == 1, reads  # was one read per record
    assert len({e.user_hash for e in _events(session_factory, api.org.id)}) == 4

    with salt_reads(engine, api.org.id) as reads:  # no user in the delivery: no read at all
        r = _post(live_server, made, json.dumps([_rec(80, login="None")]))
    assert r.status_code == 200 and len(r.json()["accepted"]) == 1 and reads == []


def test_token_is_required_exact_and_rotation_retires_the_old_one(api, live_server) -> None:
    made = _zscaler(api)
    other = _zscaler(api, name="zia-2")
    body = json.dumps(_rec(21))

    def refused(r: httpx.Response) -> None:
        assert r.status_code == 401, r.text
        assert r.json()["detail"] == "missing or invalid ingest token"
        assert made["token"] not in r.text and other["token"] not in r.text

    refused(_post(live_server, made, body, token=False))  # no header
    refused(_post(live_server, made, body, token=made["token"] + "x"))
    refused(_post(live_server, made, body, token=made["token"][:-1]))
    refused(_post(live_server, made, body, token=other["token"]))  # another integration's
    refused(
        httpx.post(  # the org key is not an ingest credential
            live_server.url + made["receiver"]["path"],
            content=body,
            headers={"X-Org-Key": api.org.key, "Authorization": f"Basic {made['token']}"},
        )
    )
    missing = {**made, "receiver": {"path": "/api/v1/integrations/" + "f" * 32 + "/zscaler/nss"}}
    refused(_post(live_server, missing, body))
    assert _post(live_server, made, body).status_code == 200

    rotated = api.post(f"/integrations/{made['id']}/token").json()  # no body: rotate at once
    assert rotated["token"] != made["token"] and rotated["receiver"]["token_rotated_at"]
    refused(_post(live_server, made, json.dumps(_rec(22))))  # the old token: refused at once
    assert _post(live_server, made, json.dumps(_rec(22)), token=rotated["token"]).status_code == 200

    # With a grace period both work until the Zscaler side is updated.
    graced = api.post(f"/integrations/{made['id']}/token", json={"grace_minutes": 30}).json()
    assert graced["receiver"]["previous_token_valid_until"]
    assert _post(live_server, made, json.dumps(_rec(23)), token=rotated["token"]).status_code == 200
    assert _post(live_server, made, json.dumps(_rec(24)), token=graced["token"]).status_code == 200
    assert api.get(f"/integrations/{made['id']}").text.count(graced["token"]) == 0

    # Only receive kinds have a token.
    okta = create(
        api,
        {
            "kind": "okta",
            "base_url": "https://acme.okta.example",
            "api_token": "00aBcDeFgHiJkLmNoPqRsTuVwXyZ01",
        },
        name="okta",
    )
    assert okta["token"] is None and okta["receiver"] is None
    assert api.post(f"/integrations/{okta['id']}/token", json={}).status_code == 422

    # A disabled integration refuses, even with the right token.
    assert api.patch(f"/integrations/{made['id']}", json={"enabled": False}).status_code == 200
    off = _post(live_server, made, json.dumps(_rec(25)), token=graced["token"])
    assert off.status_code == 403 and graced["token"] not in off.text


def test_every_token_check_is_a_constant_time_compare(api, monkeypatch) -> None:
    made = _zscaler(api)
    calls: list[tuple[str, str]] = []
    real = tokens.hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(tokens.hmac, "compare_digest", spy)
    path = made["receiver"]["path"]
    for token, status in ((made["token"], 200), ("tvi_wrong-" + "x" * 30, 401)):
        r = api.client.post(path, content="", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == status
    unknown = "/api/v1/integrations/" + "0" * 32 + "/zscaler/nss"
    assert api.client.post(unknown, headers={"Authorization": "Bearer x"}).status_code == 401
    # Current and previous hash compared on every request, known integration or not.
    assert len(calls) == 6
    assert all(len(a) == 64 and len(b) == 64 for a, b in calls)


def test_oversize_delivery_is_413_and_nothing_is_stored(api, live_server, session_factory) -> None:
    made = _zscaler(api)
    line = json.dumps(_rec(31)) + "\n"
    huge = line * (4 * 1024 * 1024 // len(line) + 2)
    r = _post(live_server, made, huge)
    assert r.status_code == 413 and "larger than" in r.json()["detail"]
    assert _events(session_factory, api.org.id) == []
    assert api.get(f"/integrations/{made['id']}").json()["last_status"] == "never"


def test_another_org_can_neither_post_nor_read(api, client, live_server, session_factory) -> None:
    made = _zscaler(api)
    intruder: OrgHandle = create_org(session_factory)
    theirs = Api(client, intruder)
    assert theirs.get(f"/integrations/{made['id']}").status_code == 404
    assert theirs.post(f"/integrations/{made['id']}/token", json={}).status_code == 404
    assert made["id"] not in theirs.get("/integrations").text
    own = _zscaler(theirs, name="their zia")
    # Their own valid token, aimed at our integration: refused.
    r = _post(live_server, made, json.dumps(_rec(41)), token=own["token"])
    assert r.status_code == 401
    r = httpx.post(
        live_server.url + made["receiver"]["path"],
        content=json.dumps(_rec(41)),
        headers={"X-Org-Key": intruder.key},
    )
    assert r.status_code == 401
    assert _events(session_factory, api.org.id) == []
    # What they do post lands in their org only.
    assert _post(live_server, own, json.dumps(_rec(42))).status_code == 200
    assert len(_events(session_factory, intruder.id)) == 1
    assert _events(session_factory, api.org.id) == []


@pytest.mark.parametrize("body", [b"\xff\xfe not utf-8", b"[" + b"1," * 10_001 + b"1]"])
def test_unreadable_or_too_many_records(api, live_server, body: bytes) -> None:
    made = _zscaler(api)
    r = _post(live_server, made, body)
    assert r.status_code in (400, 413) and made["token"] not in r.text


def test_rejected_records_say_which_field_is_wrong(api, live_server) -> None:
    made = _zscaler(api)
    batch = [
        _rec(41, epochtime=str(int(time.time()) + 10 * 365 * 86400)),  # ten years ahead
        _rec(42, host="10.1.2.3", eurl="10.1.2.3/v1/chat", appname="None"),
        _rec(43),
    ]
    r = _post(live_server, made, "\n".join(json.dumps(x) for x in batch))
    assert r.status_code == 207, r.text
    reasons = {x["index"]: x["reason"] for x in r.json()["rejected"]}
    assert "occurred_at" in reasons[0] and "future" in reasons[0]
    assert "'10.1.2.3' is not a host name" in reasons[1]
    assert r.json()["accepted"] == ["7353686396818800043"]  # the good one beside them


def test_a_recordid_nss_wrote_as_no_value_is_rejected_not_kept_as_an_id(api, live_server) -> None:
    # NSS writes a missing value as "None" / "NA"; taken as an id, the first such record
    # was stored under "None" and every later one dropped as its duplicate.
    made = _zscaler(api)
    batch = [_rec(51, recordid="None"), _rec(52, recordid="NA"), _rec(53)]
    r = _post(live_server, made, "\n".join(json.dumps(x) for x in batch))
    assert r.status_code == 207, r.text
    body = r.json()
    assert body["accepted"] == ["7353686396818800053"] and body["duplicates"] == []
    assert [x["reason"] for x in body["rejected"]] == ["record has no recordid"] * 2
