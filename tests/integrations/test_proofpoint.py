"""Proofpoint TAP SIEM API connector against a local server speaking /v2/siem/all."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.integrations.conftest import create, signals_of, sync
from tests.integrations.vendors import Reply, Request, vendor_server

PRINCIPAL = "svc-principal-01"
SECRET = "tap-secret-" + "k" * 24


def _t(minutes_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Siem:
    """GET /v2/siem/all?format=json&interval=start/end, HTTP Basic; ≤ 1 h per call; 204 if none."""

    def __init__(self) -> None:
        self.data: dict[str, list[dict[str, Any]]] = {
            "messagesBlocked": [],
            "messagesDelivered": [],
            "clicksBlocked": [],
            "clicksPermitted": [],
        }

    def __call__(self, req: Request) -> Reply:
        expected = "Basic " + base64.b64encode(f"{PRINCIPAL}:{SECRET}".encode()).decode()
        if req.headers.get("authorization") != expected:
            return Reply(401, b"The credentials are invalid")
        if req.path != "/v2/siem/all" or req.q("format") != "json":
            return Reply(400, b"bad request")
        if req.q("sinceSeconds"):
            return Reply(204)
        start_s, end_s = (req.q("interval") or "/").split("/")
        start = datetime.fromisoformat(start_s.replace("Z", "+00:00"))
        end = datetime.fromisoformat(end_s.replace("Z", "+00:00"))
        if end - start > timedelta(hours=1):
            return Reply(400, b"The requested interval is too long")

        def inside(rec: dict[str, Any]) -> bool:
            raw = rec.get("messageTime") or rec.get("clickTime")
            if not isinstance(raw, str):
                return start <= datetime.now(UTC) - timedelta(minutes=30) < end
            when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            return start <= when < end

        out = {k: [r for r in v if inside(r)] for k, v in self.data.items()}
        if not any(out.values()):
            return Reply(204)
        return Reply(200, {"queryEndTime": end_s, **out})


def test_proofpoint_messages_and_clicks_correlated_to_ai_once(api, session_factory) -> None:
    siem = Siem()
    siem.data["messagesBlocked"] = [
        {
            "GUID": "g-1",
            "messageTime": _t(50),
            "subject": "Your ChatGPT Plus subscription expired",
            "fromAddress": ["billing@openai-support.example"],
            "recipient": ["ana@acme.test"],
            "phishScore": 92,
            "threatsInfoMap": [
                {
                    "threatID": "t1",
                    "classification": "PHISH",
                    "threatType": "url",
                    "threat": "https://login.example/x",
                }
            ],
        },
        {
            "GUID": "g-2",
            "messageTime": _t(40),
            "subject": "Invoice 7781",
            "fromAddress": ["ap@vendor.example"],
            "recipient": ["bob@acme.test", "eve@acme.test"],
            "threatsInfoMap": [
                {
                    "threatID": "t2",
                    "classification": "MALWARE",
                    "threatType": "attachment",
                    "threat": "5f4dcc3b5aa765d61d8327deb882cf99",
                }
            ],
        },
        {"messageTime": _t(35), "subject": "no GUID"},
    ]
    siem.data["clicksPermitted"] = [
        {
            "id": "c-1",
            "GUID": "g-9",
            "clickTime": _t(20),
            "url": "https://claude.ai/share/abc",
            "classification": "phish",
            "threatID": "t3",
            "recipient": "ana@acme.test",
        },
    ]
    with vendor_server(siem) as tap:
        made = create(
            api,
            {
                "kind": "proofpoint",
                "base_url": tap.url,
                "service_principal": PRINCIPAL,
                "service_secret": SECRET,
                "lookback_hours": 2,
            },
        )
        tap.script = [429]
        run = sync(api, made["id"])
        assert run["status"] == "partial" and run["skipped"] == 1 and run["ingested"] == 3
        assert run["retries"] == 1 and run["pages"] == 2  # two one-hour windows
        assert all(r.q("interval") for r in tap.requests if r.q("format"))

        sigs = {
            s.get("click_id") or s.get("message_guid"): s
            for s in signals_of(session_factory, api.org.id, "integration.proofpoint.")
        }
        lure = sigs["g-1"]
        assert lure["kind"] == "integration.proofpoint.message_blocked"
        assert lure["ai_related"] is True and "chatgpt" in lure["ai_lure_terms"]
        assert lure["classifications"] == ["phish"] and lure["recipients"] == 1
        assert "subject" not in lure and "Plus subscription" not in str(lure)
        assert sigs["g-2"]["ai_related"] is False and sigs["g-2"]["threat_types"] == ["attachment"]
        click = sigs["c-1"]
        assert click["kind"] == "integration.proofpoint.click_permitted"
        assert click["ai_related"] is True and click["ai_services"] == ["Claude"]

        again = sync(api, made["id"])
        assert again["ingested"] == 0 and again["status"] == "ok"
        assert len(signals_of(session_factory, api.org.id, "integration.proofpoint.")) == 3


def test_proofpoint_wrong_secret(api) -> None:
    with vendor_server(Siem()) as tap:
        made = create(
            api,
            {
                "kind": "proofpoint",
                "base_url": tap.url,
                "service_principal": PRINCIPAL,
                "service_secret": "not-the-secret-123",
            },
        )
        result = api.post(f"/integrations/{made['id']}/test").json()
        assert result["ok"] is False and result["status_code"] == 401
        assert "not-the-secret-123" not in str(result)
        good = create(
            api,
            {
                "kind": "proofpoint",
                "base_url": tap.url,
                "service_principal": PRINCIPAL,
                "service_secret": SECRET,
            },
            name="good",
        )
        assert api.post(f"/integrations/{good['id']}/test").json()["ok"] is True
