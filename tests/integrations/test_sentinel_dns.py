"""Sentinel DNS queries to AI services → Shadow AI, against a local Log Analytics workspace.

The workspace stand-in answers the Query API's documented shape
(``POST /v1/workspaces/{id}/query`` → ``{"tables": [{"columns", "rows"}]}``)
and evaluates the parts of the connector's KQL that decide the answer: the
source table, the time window, the ``has_any`` domain list, the summary per
(domain, client) and the ``take`` limit.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.integrations.conftest import (
    create,
    salt_reads,
    signals_high_water,
    start_forwarder_at,
    sync,
)
from tests.integrations.vendors import Reply, Request, vendor_server
from threatvec.integrations.connectors.sentinel_dns import query_text
from threatvec.integrations.models import Integration
from threatvec.shadow import service as shadow
from threatvec.shadow.m365 import user_pseudonym
from threatvec.shadow.models import ShadowEvent, ShadowService
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
SECRET = "entra-secret-" + "D" * 24
WORKSPACE = "b4d1f6a2-3c5e-4f70-8a91-0c2d3e4f5a6b"
BEARER = "la-bearer"
DCR = "dcr-" + "0123456789abcdef" * 2
_TIME = re.compile(
    r"where TimeGenerated >= datetime\(([^)]+)\) and TimeGenerated < datetime\(([^)]+)\)"
)


def _has(name: str, term: str) -> bool:
    """KQL `has` for a dotted term: whole labels, anywhere in the name."""
    return f".{term}." in f".{name}."


class Workspace:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []  # raw DNS log rows (ASIM or DnsEvents columns)
        self.queries: list[str] = []
        self.reply: Reply | None = None  # a fixed answer instead of evaluating

    def __call__(self, req: Request) -> Reply:
        if req.path == f"/{TENANT}/oauth2/v2.0/token":
            f = req.form()
            if (f.get("client_id"), f.get("client_secret")) != (CLIENT_ID, SECRET):
                return Reply(401, {"error": "invalid_client"})
            if f.get("scope") != "https://api.loganalytics.io/.default":
                return Reply(400, {"error": "invalid_scope"})
            return Reply(200, {"token_type": "Bearer", "access_token": BEARER})
        if req.path != f"/v1/workspaces/{WORKSPACE}/query" or req.method != "POST":
            return Reply(404, {"error": {"code": "PathNotFoundError"}})
        if req.headers.get("authorization") != f"Bearer {BEARER}":
            return Reply(403, {"error": {"code": "InsufficientAccessError"}})
        kql = req.json()["query"]
        self.queries.append(kql)
        if self.reply is not None:
            return self.reply
        return Reply(200, {"tables": [self._evaluate(kql)]})

    def _evaluate(self, kql: str) -> dict[str, Any]:
        asim = "_Im_Dns(" in kql
        name_col, client_cols = ("DnsQuery", ("SrcUsername", "SrcHostname", "SrcIpAddr"))
        if not asim:
            assert 'DnsEvents | where SubType == "LookupQuery"' in kql
            name_col, client_cols = "Name", ("ClientIP",)
        lo, hi = (datetime.fromisoformat(t.replace("Z", "+00:00")) for t in _TIME.findall(kql)[0])
        terms = re.findall(r'"([^"]+)"', kql.split("dynamic([", 1)[1].split("])", 1)[0])
        limit = int(re.findall(r"\| take (\d+)", kql)[0])
        part = re.findall(r"\| where hash\(Client, (\d+)\) == (\d+)", kql)
        n_parts, my_part = (int(part[0][0]), int(part[0][1])) if part else (1, 0)
        groups: dict[tuple[str, str, datetime], list[datetime]] = defaultdict(list)
        for rec in self.records:
            when = datetime.fromisoformat(rec["TimeGenerated"].replace("Z", "+00:00"))
            name = rec[name_col].lower()
            if not asim and rec.get("SubType") != "LookupQuery":
                continue
            if lo <= when < hi and any(_has(name, t) for t in terms):
                client = next((rec[c] for c in client_cols if rec.get(c)), "")
                if zlib.crc32(client.encode()) % n_parts != my_part:
                    continue  # another part's client (KQL's hash differs; any split will do)
                groups[(name, client, when.replace(minute=0, second=0, microsecond=0))].append(when)
        rows = [
            [d, c, len(ts), min(ts).isoformat().replace("+00:00", "Z"), max(ts).isoformat()]
            for (d, c, _hour), ts in groups.items()
        ][:limit]
        columns = [
            {"name": "Domain", "type": "string"},
            {"name": "Client", "type": "string"},
            {"name": "Queries", "type": "long"},
            {"name": "FirstSeen", "type": "datetime"},
            {"name": "LastSeen", "type": "datetime"},
        ]
        return {"name": "PrimaryResult", "columns": columns, "rows": rows}


def _ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _in_last_hour(minute: int) -> float:
    """Minutes ago of `minute` past the start of the previous clock hour (one bin, < 2 h ago)."""
    now = datetime.now(UTC)
    at = now.replace(minute=minute, second=0, microsecond=0) - timedelta(hours=1)
    return (now - at).total_seconds() / 60


def _asim(minutes: float, query: str, user: str = "", host: str = "", ip: str = "10.0.0.9"):
    return {
        "TimeGenerated": _ago(minutes),
        "DnsQuery": query,
        "SrcUsername": user,
        "SrcHostname": host,
        "SrcIpAddr": ip,
        "DnsResponseName": "104.18.32.47",  # the answer: never read
    }


def _settings(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "sentinel",
        "authority_url": url,
        "tenant_id": TENANT,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "query_url": url,
        "dns_workspace_id": WORKSPACE,
        "dns_lag_seconds": 0,
        **extra,
    }


def _events(factory, org_id: str) -> list[ShadowEvent]:
    with session_scope(factory) as s:
        return list(
            s.scalars(
                select(ShadowEvent).where(
                    ShadowEvent.org_id == org_id, ShadowEvent.source == "sentinel-dns"
                )
            )
        )


def test_dns_queries_to_ai_services_become_shadow_visits_once(api, session_factory) -> None:
    ws = Workspace()
    ws.records = [
        _asim(_in_last_hour(10), "chatgpt.com", user="ana@acme.test"),
        _asim(_in_last_hour(11), "chatgpt.com", user="ana@acme.test"),
        _asim(_in_last_hour(12), "CHATGPT.COM", user="ana@acme.test"),
        _asim(_in_last_hour(15), "api.openai.com", host="build-07", ip="10.0.0.7"),
        _asim(_in_last_hour(20), "claude.ai", ip="10.0.0.8"),
        _asim(_in_last_hour(20), "www.example.com", user="ana@acme.test"),  # not AI
        _asim(_in_last_hour(30), "openai.com.evil.test", user="bob@acme.test"),  # not OpenAI
        _asim(60 * 30, "claude.ai", user="old@acme.test"),  # before the first lookback
    ]
    with vendor_server(ws) as srv:
        made = create(api, _settings(srv.url, dns_lookback_hours=2))
        tested = api.post(f"/integrations/{made['id']}/test").json()
        assert tested["ok"] is True and "DNS query (asim)" in tested["message"]
        ws.queries.clear()

        run = sync(api, made["id"])
        assert run["status"] == "ok", run
        assert run["pages"] == 2 and len(ws.queries) == 2  # the two whole hours before this one
        assert all("T" in q and ":00:00Z)" in q for q in ws.queries)  # on the hour
        assert run["fetched"] == 4 and run["ingested"] == 3
        assert all("_Im_Dns(starttime=datetime(" in q for q in ws.queries)
        assert all('"chatgpt.com"' in q and '"openai.com"' in q for q in ws.queries)
        assert not any("dataCollectionRules" in r.path for r in srv.requests)  # DNS only

        events = {e.domain: e for e in _events(session_factory, api.org.id)}
        assert set(events) == {"chatgpt.com", "api.openai.com", "claude.ai"}
        assert events["chatgpt.com"].signals == {"dns_queries": 3}
        assert all(e.event_type == "visit" and e.user_hash for e in events.values())
        assert len({e.user_hash for e in events.values()}) == 3
        with session_scope(session_factory) as s:
            services = {
                v.domain: v
                for v in s.scalars(select(ShadowService).where(ShadowService.org_id == api.org.id))
            }
            stored = repr([(e.domain, e.signals, e.user_hash) for e in events.values()])
            stored += repr([(v.domain, v.name) for v in services.values()])
        assert {"chatgpt.com", "claude.ai"} <= set(services)
        assert "evil" not in stored and "example.com" not in stored
        for raw in ("ana@acme.test", "build-07", "10.0.0.7", "10.0.0.8", "104.18.32.47"):
            assert raw not in stored

        # the next run starts where this one stopped: nothing read twice
        ws.queries.clear()
        again = sync(api, made["id"])
        assert again["ingested"] == 0 and len(ws.queries) <= 1
        assert len(_events(session_factory, api.org.id)) == 3

        # a checkpoint lost after the data committed: the same windows again store nothing
        with session_scope(session_factory) as s:
            row = s.get(Integration, made["id"])
            row.cursor = {}
        replay = sync(api, made["id"])
        assert replay["ingested"] == 0 and replay["duplicates"] >= 3
        assert len(_events(session_factory, api.org.id)) == 3


def test_a_full_reply_splits_the_window_and_loses_no_client(api, session_factory) -> None:
    ws = Workspace()
    ws.records = [_asim(_in_last_hour(i * 3), "chatgpt.com", ip=f"10.1.0.{i}") for i in range(15)]
    with vendor_server(ws) as srv:
        made = create(api, _settings(srv.url, dns_lookback_hours=1, dns_row_limit=10))
        run = sync(api, made["id"])
    assert run["status"] == "ok", run
    # the hour's reply came back full: read again in parts split by client, never by time
    assert len(ws.queries) >= 3 and run["ingested"] == 15
    assert any("hash(Client, 2) == 1" in q for q in ws.queries)
    assert len(_events(session_factory, api.org.id)) == 15


def test_every_lookup_of_an_hour_counts_once_however_the_runs_fall(api, session_factory) -> None:
    # One lookup a minute for two hours: each hour is one visit of 60 lookups,
    # never split between two reads (where the second part would be lost).
    ws = Workspace()
    ws.records = [_asim(_in_last_hour(0) + 60 - m, "claude.ai", user="bo") for m in range(120)]
    with vendor_server(ws) as srv:
        made = create(api, _settings(srv.url, dns_lookback_hours=3))
        first = sync(api, made["id"])
        again = sync(api, made["id"])
    assert first["status"] == "ok" and first["duplicates"] == 0, first
    assert again["ingested"] == 0 and again["duplicates"] == 0
    counts = sorted(e.signals["dns_queries"] for e in _events(session_factory, api.org.id))
    assert counts == [60, 60]


def test_dnsevents_source_reads_lookups_by_client_ip(api, session_factory) -> None:
    ws = Workspace()
    ws.records = [
        {
            "TimeGenerated": _ago(_in_last_hour(10)),
            "Name": "gemini.google.com",
            "ClientIP": "10.2.0.5",
            "SubType": "LookupQuery",
        },
        {
            "TimeGenerated": _ago(_in_last_hour(11)),
            "Name": "gemini.google.com",
            "ClientIP": "10.2.0.5",
            "SubType": "LookupQuery",
        },
        {"TimeGenerated": _ago(9), "Name": "claude.ai", "ClientIP": "", "SubType": "Dynamic"},
    ]
    with vendor_server(ws) as srv:
        made = create(api, _settings(srv.url, dns_source="dnsevents", dns_lookback_hours=2))
        run = sync(api, made["id"])
    assert run["status"] == "ok" and run["ingested"] == 1, run
    assert all("DnsEvents" in q and "_Im_Dns" not in q for q in ws.queries)
    [event] = _events(session_factory, api.org.id)
    assert event.domain == "gemini.google.com" and event.signals == {"dns_queries": 2}


def test_workspace_errors_are_named_and_keep_the_checkpoint(api, session_factory) -> None:
    ws = Workspace()
    ws.records = [_asim(_in_last_hour(10), "chatgpt.com", user="ana@acme.test")]
    with vendor_server(ws) as srv:
        made = create(api, _settings(srv.url, dns_lookback_hours=1))
        ws.reply = Reply(400, {"error": {"code": "BadArgumentError", "message": "no _Im_Dns"}})
        run = sync(api, made["id"])
        assert run["status"] == "error"
        assert "rejected the DNS query" in run["error"] and "dns_source=dnsevents" in run["error"]
        tested = api.post(f"/integrations/{made['id']}/test").json()
        assert tested["ok"] is False and "BadArgumentError" in tested["message"]

        # a partial result must not move the cursor past data it did not return
        ws.reply = Reply(200, {"tables": [], "error": {"code": "PartialError"}})
        assert sync(api, made["id"])["status"] == "error"
        ws.reply = Reply(
            200,
            {
                "tables": [{"name": "PrimaryResult", "columns": [], "rows": []}],
                "error": {"code": "PartialError", "message": "a workspace timed out"},
            },
        )
        assert "partial result" in sync(api, made["id"])["error"]
        assert _events(session_factory, api.org.id) == []

        ws.reply = None
        ok = sync(api, made["id"])
        assert ok["status"] == "ok" and ok["ingested"] == 1
        assert SECRET not in repr(run) + repr(tested) + repr(ok)


def test_the_workspace_refuses_a_token_without_access(api) -> None:
    ws = Workspace()
    with vendor_server(ws) as srv:
        made = create(api, {**_settings(srv.url), "dns_workspace_id": WORKSPACE.replace("b", "c")})
        tested = api.post(f"/integrations/{made['id']}/test").json()
    assert tested["ok"] is False and tested["status_code"] == 404
    assert "no such Log Analytics workspace" in tested["message"]


def test_settings_need_a_direction_and_both_dcr_fields(api) -> None:
    base = _settings("https://login.example.test")
    del base["dns_workspace_id"]
    r = api.post("/integrations", json={"name": "none", "settings": base})
    assert r.status_code == 422 and "dns_workspace_id" in r.text
    half = {**base, "dce_url": "https://dce.example.test"}
    r = api.post("/integrations", json={"name": "half", "settings": half})
    assert r.status_code == 422 and "dce_url and dcr_immutable_id go together" in r.text
    bad = {**_settings("https://login.example.test"), "dns_workspace_id": "not-a-guid"}
    r = api.post("/integrations", json={"name": "bad", "settings": bad})
    assert r.status_code == 422 and "dns_workspace_id" in r.text
    both = {**base, "dce_url": "https://dce.example.test", "dcr_immutable_id": DCR}
    both["dns_workspace_id"] = WORKSPACE
    r = api.post("/integrations", json={"name": "both", "settings": both})
    assert r.status_code == 201, r.text


def test_query_text_embeds_only_host_names() -> None:
    end = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    kql = query_text(
        "asim",
        ["chatgpt.com", 'evil.com"]); Heartbeat | take 1 //', "claude.ai"],
        end - timedelta(hours=1),
        end,
        50,
    )
    assert '"chatgpt.com", "claude.ai"' in kql and "Heartbeat" not in kql
    assert "datetime(2026-11-27T11:00:00Z)" in kql and kql.endswith("| take 50")


def test_a_refused_push_does_not_stop_the_dns_read(api, session_factory) -> None:
    ws = Workspace()  # it issues no token for the push scope: every push fails
    ws.records = [_asim(_in_last_hour(10), "chatgpt.com", user="ana@acme.test")]
    with vendor_server(ws) as srv:
        made = create(
            api, _settings(srv.url, dns_lookback_hours=2, dce_url=srv.url, dcr_immutable_id=DCR)
        )
        # something to push, past earlier tests' id gaps on PostgreSQL (see signals_high_water)
        start_forwarder_at(session_factory, made["id"], signals_high_water(session_factory))
        with session_scope(session_factory) as s:
            signals.publish(session=s, org_id=api.org.id, kind="posture.updated", data={"v": 1})
        run = sync(api, made["id"])
    assert run["status"] == "error" and "refused" in run["error"]  # the push's token
    assert run["ingested"] == 1 and len(_events(session_factory, api.org.id)) == 1


def test_a_run_reads_the_user_salt_once_for_all_its_windows(api, engine, session_factory) -> None:
    with session_scope(session_factory) as s:
        salt = shadow.org_user_salt(session=s, org_id=api.org.id)
    users = [f"user{i}@acme.test" for i in range(6)]
    ws = Workspace()
    ws.records = [_asim(_in_last_hour(i), "chatgpt.com", user=u) for i, u in enumerate(users)]
    ws.records += [_asim(_in_last_hour(30) + 60, "claude.ai", user=u) for u in users]
    with vendor_server(ws) as srv:
        made = create(api, _settings(srv.url, dns_lookback_hours=3))
        with salt_reads(engine, api.org.id) as reads:
            run = sync(api, made["id"])
    assert run["status"] == "ok" and run["ingested"] == 12 and run["pages"] == 3
    assert len(reads) == 1, reads  # was one read per row
    hashes = {e.user_hash for e in _events(session_factory, api.org.id)}
    assert hashes == {user_pseudonym(salt, u) for u in users}


def test_a_window_needing_more_queries_than_one_run_goes_on_where_it_stopped(
    api, session_factory
) -> None:
    # 280 clients and a row limit of 10: the hour is read in 1, 2, … 64 parts,
    # more queries in all than one run's 50 pages. Each next run must go on
    # with the saved split at the saved part, never start the window over
    # (which would never end), and every client must be stored once.
    ws = Workspace()
    ws.records = [
        _asim(_in_last_hour(i % 60), "gemini.google.com", ip=f"10.2.{i // 100}.{i % 100}")
        for i in range(280)
    ]
    runs = []
    with vendor_server(ws) as srv:
        made = create(api, _settings(srv.url, dns_lookback_hours=1, dns_row_limit=10))
        for _ in range(6):
            before = len(ws.queries)
            with session_scope(session_factory) as s:
                cursor = dict(s.get(Integration, made["id"]).cursor or {})
            run = sync(api, made["id"])
            assert run["status"] == "ok", run
            runs.append(run)
            if "dns_parts" in cursor:  # resumed: the first query is the saved part
                first = ws.queries[before]
                assert f"hash(Client, {cursor['dns_parts']}) == {cursor['dns_part_next']}" in first
            if not run["detail"]["more"]:
                break
    assert runs[0]["detail"]["more"] is True and len(runs) >= 2
    assert not runs[-1]["detail"]["more"]
    assert len(_events(session_factory, api.org.id)) == 280  # every client once
    with session_scope(session_factory) as s:
        done = s.get(Integration, made["id"]).cursor
    assert "dns_parts" not in done and "dns_part_next" not in done
