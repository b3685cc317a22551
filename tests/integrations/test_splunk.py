"""Splunk HEC forwarding against a local server speaking the HTTP Event Collector protocol."""

from __future__ import annotations

import json
import logging
from typing import Any

from tests.integrations.conftest import create, signals_high_water, start_forwarder_at, sync
from tests.integrations.vendors import Reply, Request, vendor_server
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope

TOKEN = "4a1b2c3d-0000-4e5f-8a9b-" + "c0ffee" + "123456"


class Hec:
    """POST /services/collector/event: `Authorization: Splunk <token>`, concatenated JSON events."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, req: Request) -> Reply:
        if req.path != "/services/collector/event":
            return Reply(
                404, {"text": "The requested URL was not found on this server.", "code": 404}
            )
        auth = req.headers.get("authorization", "")
        if not auth:
            return Reply(401, {"text": "Token is required", "code": 2})
        if auth != f"Splunk {TOKEN}":
            return Reply(403, {"text": "Invalid token", "code": 4})
        text = req.body.decode().strip()
        if not text:
            return Reply(400, {"text": "No data", "code": 5})
        decoder, pos, batch = json.JSONDecoder(), 0, []
        while pos < len(text):
            obj, end = decoder.raw_decode(text, pos)
            if "event" not in obj:
                return Reply(400, {"text": "Event field is required", "code": 12})
            batch.append(obj)
            pos = end
            while pos < len(text) and text[pos].isspace():
                pos += 1
        self.events.extend(batch)
        return Reply(200, {"text": "Success", "code": 0})


def _publish(factory: Any, org_id: str, kinds: list[str]) -> list[int]:
    with session_scope(factory) as s:
        return [
            signals.publish(session=s, org_id=org_id, kind=k, data={"n": i}).id
            for i, k in enumerate(kinds)
        ]


def test_splunk_forwards_each_signal_once_across_retries_failures_and_restarts(
    api, session_factory, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    hec = Hec()
    start = signals_high_water(session_factory)
    first = _publish(
        session_factory, api.org.id, ["posture.updated", "shadow.pii", "mcp.rug_pull"] * 3
    )
    with vendor_server(hec) as splunk:
        made = create(
            api,
            {
                "kind": "splunk",
                "hec_url": splunk.url,
                "hec_token": TOKEN,
                "batch_size": 4,
                "index": "security",
            },
        )
        start_forwarder_at(session_factory, made["id"], start)
        splunk.script = [503]  # busy once, then accepted
        run = sync(api, made["id"])
        assert run["status"] == "ok" and run["forwarded"] == 9 and run["retries"] == 1
        assert run["pages"] == 3  # 4 + 4 + 1
        assert [e["event"]["signal_id"] for e in hec.events] == first
        e = hec.events[0]
        assert e["index"] == "security" and e["sourcetype"] == "threatvec:signal"
        assert (
            e["source"] == "threatvec" and e["host"] == "threatvec" and isinstance(e["time"], float)
        )
        assert e["event"]["kind"] == "posture.updated" and e["event"]["data"] == {"n": 0}
        assert all(r.headers["authorization"] == f"Splunk {TOKEN}" for r in splunk.requests)

        # Nothing new: nothing sent.
        sent = len(splunk.requests)
        assert sync(api, made["id"])["forwarded"] == 0 and len(splunk.requests) == sent

        # Splunk down for a whole run: the run fails and the cursor does not move.
        second = _publish(session_factory, api.org.id, ["shadow.new_service", "posture.updated"])
        splunk.script = [503] * 4
        failed = sync(api, made["id"])
        assert failed["status"] == "error" and "503" in failed["error"] and failed["forwarded"] == 0
        assert (
            api.get(f"/integrations/{made['id']}").json()["checkpoint"]
            == f"signals after #{first[-1]}"
        )
        # Back up: the two signals arrive, once.
        assert sync(api, made["id"])["forwarded"] == 2
        ids = [e["event"]["signal_id"] for e in hec.events]
        assert ids == first + second and len(set(ids)) == len(ids)
    assert TOKEN not in caplog.text


def test_splunk_kind_filter_and_connection_test(api, session_factory) -> None:
    hec = Hec()
    start = signals_high_water(session_factory)
    _publish(session_factory, api.org.id, ["posture.updated", "shadow.pii", "shadow.new_service"])
    with vendor_server(hec) as splunk:
        made = create(
            api, {"kind": "splunk", "hec_url": splunk.url, "hec_token": TOKEN, "kinds": ["shadow."]}
        )
        start_forwarder_at(session_factory, made["id"], start)
        test = api.post(f"/integrations/{made['id']}/test").json()
        assert (
            test["ok"] is True and test["status_code"] == 400 and hec.events == []
        )  # no event written
        run = sync(api, made["id"])
        assert run["fetched"] == 3 and run["forwarded"] == 2
        assert [e["event"]["kind"] for e in hec.events] == ["shadow.pii", "shadow.new_service"]

        bad = create(
            api,
            {"kind": "splunk", "hec_url": splunk.url, "hec_token": "wrong-token-123456"},
            name="bad",
        )
        result = api.post(f"/integrations/{bad['id']}/test").json()
        assert (
            result["ok"] is False
            and result["status_code"] == 403
            and "refused" in result["message"]
        )
        assert "wrong-token-123456" not in json.dumps(result)


def test_splunk_settings_are_validated_with_the_field_named(api) -> None:
    r = api.post(
        "/integrations",
        json={
            "name": "x",
            "settings": {"kind": "splunk", "hec_url": "ftp://x", "hec_token": TOKEN},
        },
    )
    assert r.status_code == 422
    locs = [e["loc"] for e in r.json()["errors"]]
    assert ["body", "settings", "splunk", "hec_url"] in locs
    assert TOKEN not in r.text
