"""The MCP inventory API over real HTTP: scans in, inventory out, approve, rug pulls, suppress."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.conftest import create_org
from threatvec.mcp.demo import (
    CHANGING_SPEC,
    CLEAN_SPEC,
    POISONED_SPEC,
    changing_snapshot,
    clean_snapshot,
    poisoned_snapshot,
    scan_report,
)
from threatvec.mcp.models import McpFinding, McpServer, McpSnapshot
from threatvec.mcp.snapshot import ServerSnapshot
from threatvec.mcp.spec import ServerSpec
from threatvec.signals import service as signals
from threatvec.store.engine import session_scope


def _post(api: Any, report: dict[str, Any]) -> dict[str, Any]:
    r = api.post("/mcp/scans", json=report)
    assert r.status_code == 201, r.text
    return r.json()


def _server(api: Any, server_id: str) -> dict[str, Any]:
    r = api.get(f"/mcp/servers/{server_id}")
    assert r.status_code == 200, r.text
    return r.json()


def _ids(result: dict[str, Any]) -> dict[str, str]:
    return {a["name"]: a["server_id"] for a in result["accepted"]}


def test_report_lands_servers_tools_findings_and_score(api) -> None:
    result = _post(
        api, scan_report([(CLEAN_SPEC, clean_snapshot()), (POISONED_SPEC, poisoned_snapshot())])
    )
    assert result["servers_accepted"] == 2 and result["servers_rejected"] == 0
    ids = _ids(result)
    clean = _server(api, ids["time"])
    assert clean["tool_count"] == 2 and {t["name"] for t in clean["tools"]} == {
        "get_current_time",
        "convert_time",
    }
    assert clean["identity_key"].startswith("mcp:") and clean["open_findings"] == 0
    assert set(clean["score_parts"]) == {"integrity", "covert", "catalog_trust", "schema_stability"}
    assert clean["score_parts"]["integrity"]["points"] == 20  # never pinned
    assert clean["trust"]["level"] == "official"

    poisoned = _server(api, ids["weather"])
    assert poisoned["max_severity"] in {"high", "critical"}
    assert poisoned["score_parts"]["covert"]["points"] < 10
    assert poisoned["score"] < clean["score"]
    findings = api.get("/mcp/findings", params={"server_id": ids["weather"]}).json()["items"]
    rules = {f["rule_id"] for f in findings}
    assert any(r.startswith("TV-COVERT-") for r in rules)
    assert all(f["pointer"].startswith("/tools/get_forecast") for f in findings)

    score = api.get(f"/mcp/servers/{ids['weather']}/score").json()
    assert score["value"] == poisoned["score"]
    assert score["parts"]["covert"]["evidence"], "the covert part names its evidence"


def test_bad_entries_are_rejected_with_a_reason_while_good_ones_land(api) -> None:
    report = scan_report(
        [
            (CLEAN_SPEC, clean_snapshot()),
            (POISONED_SPEC, poisoned_snapshot()),
            (CHANGING_SPEC, changing_snapshot(1)),
        ]
    )
    # 1: definitions edited after pinning → pins no longer match the content
    report["servers"][1]["snapshot"]["tools"][0]["description"] = "Harmless, honest."
    # 2: an identity key that does not match its parts (would hijack another server)
    report["servers"][2]["identity"]["key"] = report["servers"][0]["identity"]["key"]
    report["servers"].append({"name": "junk", "status": "ok"})
    report["servers"].append("not an object")
    result = _post(api, report)
    assert result["servers_accepted"] == 1 and result["servers_rejected"] == 4
    reasons = {r["index"]: r["reason"] for r in result["rejected"]}
    assert "does not match the snapshot content" in reasons[1]
    assert "does not match the identity's parts" in reasons[2]
    assert "identity must be an object" in reasons[3]
    assert "must be an object" in reasons[4]
    names = [s["name"] for s in api.get("/mcp/servers").json()["items"]]
    assert names == ["time"]
    scans = api.get("/mcp/scans").json()["items"]
    assert scans[0]["servers_rejected"] == 4 and scans[0]["id"] == result["id"]


def _forged_identity(transport: str, *, args: list[str] | None = None, url: str | None = None):
    """An identity whose key matches its parts, as an old or foreign client might send it."""
    from threatvec.mcp.canonical import hash_value

    parts = {
        "transport": transport,
        "command": "uvx" if args is not None else None,
        "args": args or [],
        "url": url,
        "package": None,
    }
    return {**parts, "key": "mcp:" + hash_value(parts).removeprefix("sha256:")[:32]}


def test_identities_holding_credentials_are_refused_and_never_stored(api, session_factory) -> None:
    secret = "sk-" + "q7" * 12
    report = scan_report([(CLEAN_SPEC, clean_snapshot()), (CLEAN_SPEC, clean_snapshot())])
    report["servers"][0]["identity"] = _forged_identity(
        "stdio", args=["some-mcp", "--api-key", secret]
    )
    report["servers"][1]["identity"] = _forged_identity(
        "http", url=f"https://mcp.example.com/mcp?token={secret}"
    )
    result = _post(api, report)
    assert result["servers_accepted"] == 0
    reasons = sorted(r["reason"] for r in result["rejected"])
    assert reasons == [
        "identity.args hold a credential; send them redacted",
        "identity.url holds credentials or secret query values",
    ]
    with session_scope(session_factory) as s:
        assert (
            s.scalar(
                select(McpServer.id).where(
                    McpServer.identity_key.in_([e["identity"]["key"] for e in report["servers"]])
                )
            )
            is None
        )
    # the same servers, redacted as the scanner sends them, are accepted
    ok = scan_report([(CLEAN_SPEC, clean_snapshot())])
    ok["servers"][0]["identity"] = _forged_identity(
        "http", url="https://mcp.example.com/mcp?token=<redacted>&page=2"
    )
    assert _post(api, ok)["servers_accepted"] == 1


def test_envelope_errors_are_422(api) -> None:
    assert api.post("/mcp/scans", json={"schema": "other/1", "servers": []}).status_code == 422
    assert api.post("/mcp/scans", json={"schema": "threatvec.mcp-scan/1"}).status_code == 422
    r = api.post("/mcp/scans", json={"schema": "threatvec.mcp-scan/1", "servers": {}})
    assert r.status_code == 422


def test_servers_are_keyed_by_identity_not_label(api) -> None:
    first = _post(api, scan_report([(CLEAN_SPEC, clean_snapshot())]))
    relabelled = ServerSpec(
        name="clock", transport="stdio", command="uvx", args=("mcp-server-time==2025.8.4",)
    )
    second = _post(api, scan_report([(relabelled, clean_snapshot())]))
    assert _ids(first)["time"] == _ids(second)["clock"]
    server = _server(api, _ids(first)["time"])
    assert server["labels"] == ["time", "clock"] and server["scans"] == 2
    assert second["accepted"][0]["changed"] is False
    other = ServerSpec(
        name="time", transport="stdio", command="uvx", args=("mcp-server-time==2025.9.1",)
    )
    third = _post(api, scan_report([(other, clean_snapshot())]))
    assert _ids(third)["time"] != _ids(first)["time"]


def test_approve_then_change_is_a_rug_pull_with_signal_and_diff(api, session_factory) -> None:
    sid = _ids(_post(api, scan_report([(CHANGING_SPEC, changing_snapshot(1))])))["notes"]
    with session_scope(session_factory) as s:
        before = signals.latest_id(session=s, org_id=api.org.id)
    approved = api.post(f"/mcp/servers/{sid}/approve", json={"note": "reviewed"}).json()
    assert approved["approved"] and approved["pin_status"] == "unchanged"
    assert approved["trust"]["level"] == "allowlisted"
    assert approved["score_parts"]["integrity"]["points"] == 35

    # the same definitions again: still trusted, nothing new
    again = _post(api, scan_report([(CHANGING_SPEC, changing_snapshot(1))]))
    assert again["rug_pulls"] == 0 and again["accepted"][0]["changed"] is False

    changed = _post(api, scan_report([(CHANGING_SPEC, changing_snapshot(2))]))
    assert changed["rug_pulls"] == 1 and changed["accepted"][0]["rug_pull"] is True
    server = _server(api, sid)
    assert server["pin_status"] == "changed" and server["score_parts"]["integrity"]["points"] <= 5
    assert server["trust"]["level"] != "allowlisted"  # the new hash is not the approved one
    rug = api.get("/mcp/findings", params={"rule_id": "TV-MCP-RUGPULL"}).json()["items"]
    assert len(rug) == 1 and rug[0]["severity"] in {"high", "critical"}
    assert rug[0]["server_id"] == sid and rug[0]["status"] == "open"

    with session_scope(session_factory) as s:
        sigs = signals.list_since(
            session=s, org_id=api.org.id, after_id=before, kinds=["mcp.rug_pull"]
        )
    assert len(sigs) == 1 and sigs[0].data["server_id"] == sid
    assert sigs[0].data["finding_id"] == rug[0]["id"]

    # scanning the changed server again does not raise a second alert
    _post(api, scan_report([(CHANGING_SPEC, changing_snapshot(2))]))
    with session_scope(session_factory) as s:
        again = signals.list_since(
            session=s, org_id=api.org.id, after_id=before, kinds=["mcp.rug_pull"]
        )
        assert len(again) == 1

    snaps = api.get(f"/mcp/servers/{sid}/snapshots").json()["items"]
    assert len(snaps) == 2 and snaps[0]["rug_pull"] and snaps[1]["approved"]
    diff = api.get(f"/mcp/servers/{sid}/diff").json()
    assert diff["from_snapshot_id"] == snaps[1]["id"] and diff["to_snapshot_id"] == snaps[0]["id"]
    assert diff["approved"] and diff["rug_pull"] and diff["status"] == "changed"
    kinds = {c["kind"] for c in diff["changes"]}
    assert any("annotation" in k for k in kinds) and any(c["directive"] for c in diff["changes"])
    reverse = api.get(
        f"/mcp/servers/{sid}/diff", params={"from": snaps[0]["id"], "to": snaps[1]["id"]}
    ).json()
    assert reverse["status"] == "changed" and not reverse["approved"]
    detail = api.get(f"/mcp/servers/{sid}/snapshots/{snaps[0]['id']}").json()
    assert ServerSnapshot.from_dict(detail["data"]).server_hash == snaps[0]["server_hash"]

    # re-approving the new state closes the rug pull
    api.post(f"/mcp/servers/{sid}/approve")
    assert api.get(f"/mcp/findings/{rug[0]['id']}").json()["status"] == "resolved"


def test_corrupt_or_missing_pin_is_untrusted_never_clean(api, session_factory) -> None:
    sid = _ids(_post(api, scan_report([(CHANGING_SPEC, changing_snapshot(1))])))["notes"]
    api.post(f"/mcp/servers/{sid}/approve")
    with session_scope(session_factory) as s:
        server = s.get(McpServer, sid)
        pin = s.get(McpSnapshot, server.approved_snapshot_id)
        data = copy.deepcopy(pin.data)
        data["tools"][0]["description"] = "tampered in the database"
        pin.data = data
    _post(api, scan_report([(CHANGING_SPEC, changing_snapshot(1))]))
    server = _server(api, sid)
    assert server["pin_status"] == "untrusted" and server["pin_state"] == "corrupt"
    assert server["score_parts"]["integrity"]["points"] == 0
    rules = {
        f["rule_id"] for f in api.get("/mcp/findings", params={"server_id": sid}).json()["items"]
    }
    assert "TV-MCP-PIN-CORRUPT" in rules

    with session_scope(session_factory) as s:
        s.get(McpServer, sid).approved_snapshot_id = "0" * 32
    _post(api, scan_report([(CHANGING_SPEC, changing_snapshot(1))]))
    server = _server(api, sid)
    assert server["pin_state"] == "missing" and server["score_parts"]["integrity"]["points"] == 10
    found = api.get("/mcp/findings", params={"server_id": sid, "status": "open"}).json()["items"]
    assert {f["rule_id"] for f in found} >= {"TV-MCP-PIN-MISSING"}


def test_suppress_a_finding_with_a_reason(api) -> None:
    sid = _ids(_post(api, scan_report([(POISONED_SPEC, poisoned_snapshot())])))["weather"]
    before = _server(api, sid)
    findings = api.get("/mcp/findings", params={"server_id": sid, "status": "open"}).json()
    target = findings["items"][0]
    assert (
        api.post(f"/mcp/findings/{target['id']}/suppress", json={"reason": "  "}).status_code == 422
    )
    r = api.post(f"/mcp/findings/{target['id']}/suppress", json={"reason": "vendor fixed in 0.3.2"})
    assert r.status_code == 200 and r.json()["status"] == "suppressed"
    assert r.json()["suppressed_reason"] == "vendor fixed in 0.3.2"
    after = _server(api, sid)
    assert after["open_findings"] == before["open_findings"] - 1
    assert after["score_parts"]["covert"]["points"] >= before["score_parts"]["covert"]["points"]
    # a re-scan that still sees it keeps it suppressed
    _post(api, scan_report([(POISONED_SPEC, poisoned_snapshot())]))
    assert api.get(f"/mcp/findings/{target['id']}").json()["status"] == "suppressed"


def _git_like() -> ServerSnapshot:
    return ServerSnapshot(
        server_info={"name": "git", "version": "1"},
        tools=[
            {
                "name": "git_log",
                "description": "Show the commit log of the local repository.",
                "inputSchema": {"type": "object", "properties": {"repo_path": {"type": "string"}}},
                "annotations": {"readOnlyHint": True, "openWorldHint": False},
            }
        ],
    )


def _fetch_like(extra: bool = False) -> ServerSnapshot:
    tools = [
        {
            "name": "fetch",
            "description": "Fetch a URL from the internet and return the web page as markdown.",
            "inputSchema": {
                "type": "object",
                "properties": {"url": {"type": "string", "format": "uri"}},
                "required": ["url"],
            },
            "annotations": {"readOnlyHint": True, "openWorldHint": True},
        }
    ]
    if extra:
        tools.append(
            {
                "name": "send_email",
                "description": "Send an email message to a recipient.",
                "inputSchema": {
                    "type": "object",
                    "properties": {"to": {"type": "string"}, "body": {"type": "string"}},
                },
            }
        )
    return ServerSnapshot(server_info={"name": "fetch", "version": "1"}, tools=tools)


def _pair(extra: bool = False) -> dict[str, Any]:
    cfg = "/work/project/.mcp.json"
    git = ServerSpec(
        name="git",
        transport="stdio",
        command="uvx",
        args=("mcp-server-git==2025.7.1",),
        source=cfg,
        pointer="/mcpServers/git",
    )
    fetch = ServerSpec(
        name="fetch",
        transport="stdio",
        command="uvx",
        args=("mcp-server-fetch==2025.4.7",),
        source=cfg,
        pointer="/mcpServers/fetch",
    )
    return scan_report([(git, _git_like()), (fetch, _fetch_like(extra))])


def test_accepted_trifecta_stays_suppressed_until_a_new_tool_joins(api) -> None:
    _post(api, _pair())
    tri = api.get("/mcp/findings", params={"rule_id": "TV-MCP-TRIFECTA"}).json()["items"]
    assert len(tri) == 1 and tri[0]["status"] == "open" and tri[0]["server_id"] is None
    assert tri[0]["scope"] == "/work/project/.mcp.json"
    assert "git/git_log" in tri[0]["detail"]["tools"]
    r = api.post(f"/mcp/findings/{tri[0]['id']}/suppress", json={"reason": "docs sandbox"})
    assert r.json()["status"] == "suppressed"
    _post(api, _pair())
    assert api.get(f"/mcp/findings/{tri[0]['id']}").json()["status"] == "suppressed"
    _post(api, _pair(extra=True))
    reopened = api.get(f"/mcp/findings/{tri[0]['id']}").json()
    assert reopened["status"] == "open" and "fetch/send_email" in reopened["detail"]["tools"]


def test_list_filter_sort_and_paginate(api) -> None:
    _post(
        api,
        scan_report(
            [
                (CLEAN_SPEC, clean_snapshot()),
                (POISONED_SPEC, poisoned_snapshot()),
                (CHANGING_SPEC, changing_snapshot(1)),
            ]
        ),
    )
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1, "sort": "-score"}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/mcp/servers", params=params).json()
        seen += [s["name"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 3 and seen[-1] == "weather"
    scores = [
        s["score"] for s in api.get("/mcp/servers", params={"sort": "-score"}).json()["items"]
    ]
    assert scores == sorted(scores, reverse=True)
    assert [
        s["name"] for s in api.get("/mcp/servers", params={"q": "weather"}).json()["items"]
    ] == ["weather"]
    high = api.get("/mcp/servers", params={"min_severity": "high"}).json()["items"]
    assert [s["name"] for s in high] == ["weather"]
    assert api.get("/mcp/servers", params={"approved": True}).json()["items"] == []
    assert api.get("/mcp/servers", params={"sort": "bogus"}).status_code == 422


def test_allowlist_feeds_catalog_trust(api) -> None:
    report = scan_report([(POISONED_SPEC, poisoned_snapshot())])
    entry = report["servers"][0]
    sid = _ids(_post(api, report))["weather"]
    assert _server(api, sid)["trust"]["level"] == "unpinned_package"
    r = api.post(
        "/mcp/allowlist",
        json={
            "identity_key": entry["identity"]["key"],
            "server_hash": entry["snapshot"]["pins"]["server_hash"],
            "note": "accepted risk",
        },
    )
    assert r.status_code == 201
    assert _server(api, sid)["trust"]["level"] == "allowlisted"
    assert [e["id"] for e in api.get("/mcp/allowlist").json()["items"]] == [r.json()["id"]]
    assert api.delete(f"/mcp/allowlist/{r.json()['id']}").status_code == 204
    assert _server(api, sid)["trust"]["level"] == "unpinned_package"
    bad = api.post("/mcp/allowlist", json={"identity_key": "x", "server_hash": "y"})
    assert bad.status_code == 422


def test_fleet_score_and_other_orgs_see_nothing(api, client, session_factory) -> None:
    assert api.get("/mcp/score").json()["value"] is None
    ids = _ids(
        _post(
            api, scan_report([(CLEAN_SPEC, clean_snapshot()), (POISONED_SPEC, poisoned_snapshot())])
        )
    )
    fleet = api.get("/mcp/score").json()
    assert fleet["servers"] == 2 and fleet["at_risk"] == 1
    clean, poisoned = _server(api, ids["time"])["score"], _server(api, ids["weather"])["score"]
    # weights 1 (≥ 80) and 3 (< 50): the poisoned server pulls the fleet down
    assert abs(fleet["value"] - (clean + 3 * poisoned) / 4) < 1e-6
    other = create_org(session_factory)
    r = client.get(f"/api/v1/mcp/servers/{ids['time']}", headers=other.headers)
    assert r.status_code == 404
    assert client.get("/api/v1/mcp/servers", headers=other.headers).json()["items"] == []
    r = client.post(f"/api/v1/mcp/servers/{ids['time']}/approve", headers=other.headers)
    assert r.status_code == 404


def test_real_cli_report_lands_in_the_inventory(
    live_server, session_factory, tmp_path: Path
) -> None:
    org = create_org(session_factory)
    saved = tmp_path / "saved-tools.json"
    saved.write_text(
        json.dumps(
            {
                "initialize": {"serverInfo": {"name": "calc", "version": "2.0"}},
                "tools/list": {
                    "tools": [
                        {
                            "name": "add",
                            "description": "Add two numbers.",
                            "inputSchema": {"type": "object"},
                        }
                    ]
                },
            }
        ),
        encoding="utf-8",
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "threatvec.cli.mcp",
            "scan",
            "--static",
            str(saved),
            "--report",
            "--threatvec-url",
            live_server.url,
            "--org-key",
            org.key,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Report sent." in proc.stderr
    import httpx

    servers = httpx.get(
        f"{live_server.url}/api/v1/mcp/servers", headers=org.headers, timeout=10
    ).json()["items"]
    assert [(s["name"], s["server_name"], s["tool_count"]) for s in servers] == [
        ("saved-tools.json", "calc", 1)
    ]
    assert servers[0]["transport"] == "static" and servers[0]["trust"]["level"] == "static"
    with session_scope(session_factory) as s:
        assert s.scalar(select(McpServer.id).where(McpServer.org_id == org.id)) == servers[0]["id"]


def test_one_server_in_many_configs_is_stored_once(api) -> None:
    report = scan_report([(CLEAN_SPEC, clean_snapshot())])
    entry = report["servers"][0]
    copies = []
    for i in range(40):
        e = copy.deepcopy(entry)
        e["group"] = f"/home/dev/p{i % 4}/.mcp.json"
        copies.append(e)
    report["servers"] = copies
    result = _post(api, report)
    assert result["servers_accepted"] == 40
    assert len({a["server_id"] for a in result["accepted"]}) == 1
    server = _server(api, result["accepted"][0]["server_id"])
    assert server["scans"] == 1 and len(server["groups"]) == 4
    assert len(api.get(f"/mcp/servers/{server['id']}/snapshots").json()["items"]) == 1


def _forge(entry: dict[str, Any], **identity: Any) -> None:
    """Edit a report entry's identity and give it the key its new parts derive."""
    from threatvec.mcp.canonical import hash_value

    ident = entry["identity"]
    ident.update(identity)
    pkg = ident.get("package")
    parts = {
        "transport": ident["transport"],
        "command": ident.get("command"),
        "args": list(ident.get("args") or []),
        "url": ident.get("url"),
        "package": None
        if pkg is None
        else {"ecosystem": pkg["ecosystem"], "name": pkg["name"], "version": pkg.get("version")},
    }
    ident["key"] = "mcp:" + hash_value(parts).removeprefix("sha256:")[:32]


def _npx(name: str, *args: str) -> ServerSpec:
    return ServerSpec(name=name, transport="stdio", command="npx", args=("-y", *args))


def test_catalog_trust_comes_from_the_command_not_the_reported_version(api) -> None:
    pinned = _npx("pinned", "acme-mcp-notes@1.2.3")
    floating = _npx("floating", "acme-mcp-tasks")
    report = scan_report([(pinned, clean_snapshot()), (floating, clean_snapshot())])
    # The floating entry claims a pinned version: a self-consistent key, and a
    # spec that still shows what runs (`npx -y acme-mcp-tasks`).
    claim = {"ecosystem": "npm", "name": "acme-mcp-tasks", "version": "1.2.3"}
    _forge(report["servers"][1], package={**claim, "version_source": "argument", "pinned": True})
    ids = _ids(_post(api, report))

    honest = _server(api, ids["pinned"])
    assert honest["trust"]["level"] == "pinned_package" and honest["trust"]["points"] == 70
    assert honest["score_parts"]["catalog_trust"]["points"] == 10.5
    assert len(honest["score_parts"]["catalog_trust"]["evidence"]) == 1  # no disagreement

    forged = _server(api, ids["floating"])
    assert forged["identity_key"] != honest["identity_key"]
    assert forged["trust"]["level"] == "unpinned_package" and forged["trust"]["points"] == 35
    part = forged["score_parts"]["catalog_trust"]
    assert part["points"] == 5.2  # 15 x 35 / 100, not 10.5
    [_level, disagreement] = part["evidence"]
    assert "npm:acme-mcp-tasks@1.2.3" in disagreement and "npx -y acme-mcp-tasks" in disagreement
    assert api.get(f"/mcp/servers/{ids['floating']}/score").json()["parts"]["catalog_trust"] == part


def test_a_package_reported_as_a_local_command_is_judged_as_the_package(api) -> None:
    floating = _npx("notes", "acme-mcp-notes")
    report = scan_report([(floating, clean_snapshot())])
    _forge(report["servers"][0], package=None, command="npx", args=["-y", "acme-mcp-notes"])
    [sid] = _ids(_post(api, report)).values()
    server = _server(api, sid)
    assert server["trust"]["level"] == "unpinned_package"  # not local_script (50)
    assert "npm:acme-mcp-notes" in server["score_parts"]["catalog_trust"]["evidence"][1]


def test_an_installed_reference_server_keeps_the_version_the_scanner_read(api) -> None:
    # `mcp-server-time` runs the copy installed where the scan ran: only the
    # scanner can read its version, so that claim agrees with the command.
    spec = ServerSpec(name="time", transport="stdio", command="mcp-server-time")
    report = scan_report([(spec, clean_snapshot())])
    claim = {"ecosystem": "pypi", "name": "mcp-server-time", "version": "2025.8.4"}
    _forge(report["servers"][0], package={**claim, "version_source": "installed", "pinned": True})
    [sid] = _ids(_post(api, report)).values()
    server = _server(api, sid)
    assert server["trust"]["level"] == "official"
    assert len(server["score_parts"]["catalog_trust"]["evidence"]) == 1
    # The same claim for `uvx mcp-server-time` (newest at every start) is not taken.
    uvx = ServerSpec(name="uvx-time", transport="stdio", command="uvx", args=("mcp-server-time",))
    report = scan_report([(uvx, clean_snapshot())])
    _forge(report["servers"][0], package={**claim, "version_source": "installed", "pinned": True})
    [sid] = _ids(_post(api, report)).values()
    server = _server(api, sid)
    assert server["trust"]["level"] == "official_unpinned"
    assert "uvx mcp-server-time" in server["score_parts"]["catalog_trust"]["evidence"][1]


def test_a_suppression_can_be_undone_and_stays_undone(api, client, session_factory) -> None:
    sid = _ids(_post(api, scan_report([(POISONED_SPEC, poisoned_snapshot())])))["weather"]
    target = api.get("/mcp/findings", params={"server_id": sid, "status": "open"}).json()
    target = target["items"][0]
    before = _server(api, sid)
    api.post(f"/mcp/findings/{target['id']}/suppress", json={"reason": "false positive?"})
    assert _server(api, sid)["open_findings"] == before["open_findings"] - 1
    # another org can neither see nor undo it
    other = create_org(session_factory)
    r = client.post(f"/api/v1/mcp/findings/{target['id']}/unsuppress", headers=other.headers)
    assert r.status_code == 404
    r = api.post(f"/mcp/findings/{target['id']}/unsuppress")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "open" and body["suppressed_reason"] is None
    assert body["suppressed_at"] is None
    after = _server(api, sid)
    assert after["open_findings"] == before["open_findings"]
    assert after["score"] == before["score"]
    # undoing what is not suppressed says so
    r = api.post(f"/mcp/findings/{target['id']}/unsuppress")
    assert r.status_code == 409 and "not suppressed" in r.text
    _post(api, scan_report([(POISONED_SPEC, poisoned_snapshot())]))
    assert api.get(f"/mcp/findings/{target['id']}").json()["status"] == "open"


def test_an_accepted_trifecta_can_be_withdrawn(api) -> None:
    _post(api, _pair())
    tri = api.get("/mcp/findings", params={"rule_id": "TV-MCP-TRIFECTA"}).json()["items"][0]
    api.post(f"/mcp/findings/{tri['id']}/suppress", json={"reason": "docs sandbox"})
    r = api.post(f"/mcp/findings/{tri['id']}/unsuppress")
    assert r.status_code == 200 and r.json()["status"] == "open", r.text
    assert (
        "suppressed_reason" not in (r.json()["detail"] or {})
        or not r.json()["detail"]["suppressed_reason"]
    )
    # the accepted flow is gone: a re-scan of the same tools keeps it open
    _post(api, _pair())
    assert api.get(f"/mcp/findings/{tri['id']}").json()["status"] == "open"


def test_a_finding_gone_while_suppressed_is_resolved_on_unsuppress(api) -> None:
    sid = _ids(_post(api, scan_report([(POISONED_SPEC, poisoned_snapshot())])))["weather"]
    found = api.get("/mcp/findings", params={"server_id": sid, "status": "open"}).json()["items"]
    covert = [f for f in found if f["rule_id"].startswith("TV-COVERT-")]
    assert covert, found
    target, kept = covert[0], covert[-1]
    for f in {target["id"]: target, kept["id"]: kept}.values():
        api.post(f"/mcp/findings/{f['id']}/suppress", json={"reason": "vendor says benign"})
    # The vendor fixed the description: the next scan no longer finds it (still suppressed).
    _post(api, scan_report([(POISONED_SPEC, clean_snapshot())]))
    assert api.get(f"/mcp/findings/{target['id']}").json()["status"] == "suppressed"
    r = api.post(f"/mcp/findings/{target['id']}/unsuppress")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["suppressed_reason"]) == ("resolved", None)
    assert body["resolved_at"]
    still = api.get("/mcp/findings", params={"server_id": sid, "status": "open"}).json()
    assert target["id"] not in [f["id"] for f in still["items"]]
    # A finding the latest scan still holds opens again, as before.
    _post(api, scan_report([(POISONED_SPEC, poisoned_snapshot())]))
    r = api.post(f"/mcp/findings/{kept['id']}/suppress", json={"reason": "benign"})
    assert r.status_code == 200, r.text
    r = api.post(f"/mcp/findings/{kept['id']}/unsuppress")
    assert r.json()["status"] == "open", r.text


def test_a_trifecta_gone_while_accepted_is_resolved_on_withdraw(api) -> None:
    _post(api, _pair())
    tri = api.get("/mcp/findings", params={"rule_id": "TV-MCP-TRIFECTA"}).json()["items"][0]
    api.post(f"/mcp/findings/{tri['id']}/suppress", json={"reason": "docs sandbox"})
    report = _pair()
    report["servers"] = report["servers"][:1]  # fetch was removed from the configuration
    _post(api, report)
    assert api.get(f"/mcp/findings/{tri['id']}").json()["status"] == "suppressed"
    r = api.post(f"/mcp/findings/{tri['id']}/unsuppress")
    assert r.status_code == 200 and r.json()["status"] == "resolved", r.text


def test_a_finding_suppressed_before_the_absent_mark_is_held_against_the_snapshot(
    api, session_factory
) -> None:
    sid = _ids(_post(api, scan_report([(POISONED_SPEC, poisoned_snapshot())])))["weather"]
    found = api.get("/mcp/findings", params={"server_id": sid, "status": "open"}).json()["items"]
    [target, *_] = [f for f in found if f["rule_id"].startswith("TV-COVERT-")]
    api.post(f"/mcp/findings/{target['id']}/suppress", json={"reason": "benign"})
    _post(api, scan_report([(POISONED_SPEC, clean_snapshot())]))
    with session_scope(session_factory) as s:  # a row stored by a version without the mark
        row = s.get(McpFinding, target["id"])
        assert row is not None and "absent_since" in row.detail
        row.detail = {k: v for k, v in row.detail.items() if k != "absent_since"}
    r = api.post(f"/mcp/findings/{target['id']}/unsuppress")
    assert r.status_code == 200 and r.json()["status"] == "resolved", r.text


def _fleet_report(n: int, failed: int = 0) -> dict[str, Any]:
    """n servers scanned fine (clean tools) and `failed` whose scan failed (no snapshot)."""
    from datetime import UTC, datetime

    from threatvec.mcp.analysis import analyze_scan
    from threatvec.mcp.identity import derive_identity
    from threatvec.mcp.report import build_report
    from threatvec.mcp.scanner import ScanOutcome

    def spec(name: str) -> ServerSpec:
        return ServerSpec(name=name, transport="stdio", command="uvx", args=(f"{name}==1.0",))

    outcomes = [
        ScanOutcome(spec(f"srv-{i:03d}"), derive_identity(spec(f"srv-{i:03d}")), "ok",
                    clean_snapshot(), duration_ms=5)
        for i in range(n)
    ] + [
        ScanOutcome(spec(f"down-{i}"), derive_identity(spec(f"down-{i}")), "error",
                    None, error="spawn failed")
        for i in range(failed)
    ]  # fmt: skip
    return build_report(analyze_scan(outcomes), generated_at=datetime.now(UTC))


def test_the_server_list_pages_with_a_total_and_the_fleet_counts_scored_servers(api) -> None:
    _post(api, _fleet_report(7, failed=2))
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api.get("/mcp/servers", params=params).json()
        assert body["total"] == 9 and len(body["items"]) <= 3
        seen += [s["id"] for s in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 9
    # The total follows the filters.
    assert api.get("/mcp/servers", params={"q": "down-", "limit": 1}).json()["total"] == 2
    assert api.get("/mcp/servers", params={"status": "error"}).json()["total"] == 2
    # The fleet score counts the servers that have a score: scanned successfully.
    assert api.get("/mcp/score").json()["servers"] == 7
