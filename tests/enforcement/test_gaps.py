"""The gap scan on agents and MCP data built through the real services; coverage flips on events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.enforcement.helpers import add_agent, event, make_source, post_signed
from threatvec.enforcement.gaps import AgentTools, classify

MCP_TOOLS = [
    {
        "name": "read_file",
        "description": "Read a file from the workspace.",
        "inputSchema": {"type": "object", "properties": {"path": {"type": "string"}}},
        "annotations": {"readOnlyHint": True, "openWorldHint": False},
    },
    {
        "name": "fetch_page",
        "description": "Fetch a web page and return its text.",
        "inputSchema": {"type": "object", "properties": {"address": {"type": "string"}}},
        "annotations": {"readOnlyHint": True, "openWorldHint": True},
    },
    {
        "name": "post_message",
        "description": "Post a message to a chat channel.",
        "inputSchema": {"type": "object", "properties": {"channel": {"type": "string"}}},
        "annotations": {"readOnlyHint": False, "destructiveHint": False, "openWorldHint": True},
    },
]


def _fleet(factory, org_id: str) -> dict[str, str]:
    return {
        "mailer": add_agent(
            factory,
            org_id,
            "mailer",
            [("query_db", None), ("web_fetch", "example.org"), ("send_email", "smtp.example.com")],
        ),
        "runner": add_agent(factory, org_id, "runner", [("run_shell", None), ("read_logs", None)]),
        "faq": add_agent(factory, org_id, "faq", [("lookup_answer", None)]),
        "notes-agent": add_agent(factory, org_id, "notes-agent", [], mcp=("notes", MCP_TOOLS)),
    }


def _pairs(scan: dict) -> dict[tuple[str, str], dict]:
    return {(p["agent_name"], p["tool"]): p for p in scan["pairs"]}


def test_high_risk_pairs_come_from_inventory_labels_and_flows(api, org, session_factory):
    ids = _fleet(session_factory, org.id)
    scan = api.get("/enforcement/gap-scan").json()
    pairs = _pairs(scan)
    assert set(pairs) == {
        ("mailer", "query_db"),
        ("mailer", "web_fetch"),
        ("mailer", "send_email"),
        ("runner", "run_shell"),
        ("notes-agent", "read_file"),
        ("notes-agent", "fetch_page"),
        ("notes-agent", "post_message"),
    }
    assert pairs[("mailer", "send_email")]["risk"] == "critical"
    assert "exfiltration channel" in pairs[("mailer", "send_email")]["reasons"][0]
    assert pairs[("runner", "run_shell")]["risk"] == "high"
    assert pairs[("runner", "run_shell")]["reasons"] == ["runs code"]
    # the MCP agent's legs come from the MCP inventory's labels and its trifecta finding
    flow = pairs[("notes-agent", "post_message")]
    assert flow["risk"] == "critical" and flow["mcp_server"] == "notes"
    assert any("MCP lethal-trifecta finding" in r for r in flow["reasons"])
    assert pairs[("notes-agent", "read_file")]["agent_id"] == ids["notes-agent"]
    assert scan["high_risk_pairs"] == 7 and scan["covered"] == 0 and scan["coverage"] == 0
    assert scan["sources_total"] == 0 and "0 of 7" in scan["explanation"]
    # uncovered critical pairs first
    assert scan["pairs"][0]["risk"] == "critical"


def test_coverage_flips_when_a_policy_decision_arrives(api, client, org, session_factory):
    _fleet(session_factory, org.id)
    source = make_source(api)
    old = (datetime.now(UTC) - timedelta(days=8)).isoformat()
    r = post_signed(
        client,
        source,
        event(agent="mailer", tool="send_email", action="blocked"),
        event(agent="runner", tool=None, action="allowed", category="other"),  # agent-wide
        event(agent="notes-agent", tool="read_file", mcp_server="notes", time=old),  # too old
        event(agent="notes-agent", tool="fetch_page", mcp_server="another-server"),
        event(agent="notes-agent", tool="post_message", mcp_server="notes", action="flagged"),
    )
    assert r.status_code == 200, r.text
    scan = api.get("/enforcement/gap-scan").json()
    pairs = _pairs(scan)
    covered = {k for k, p in pairs.items() if p["covered"]}
    assert covered == {
        ("mailer", "send_email"),
        ("runner", "run_shell"),
        ("notes-agent", "post_message"),
    }
    assert pairs[("mailer", "send_email")]["coverage"] == "tool"
    assert pairs[("mailer", "send_email")]["blocked"] == 1
    assert pairs[("mailer", "send_email")]["sources"] == ["gateway"]
    assert pairs[("runner", "run_shell")]["coverage"] == "agent"
    assert pairs[("notes-agent", "fetch_page")]["coverage"] == "none"  # another server
    assert pairs[("notes-agent", "read_file")]["covered"] is False  # outside the 7-day window
    assert scan["covered"] == 3 and abs(scan["coverage"] - 3 / 7) < 1e-9
    # critical pairs count twice: send_email 2 + run_shell 1 + post_message 2 of 2·6 + 1
    assert abs(scan["weighted_coverage"] - 5 / 13) < 1e-9
    assert scan["blocked_7d"] == 2 and scan["sources_reporting"] == 1  # any pair, any server
    only = api.get("/enforcement/gap-scan", params={"covered": "false", "limit": 2}).json()
    assert len(only["pairs"]) == 2 and not any(p["covered"] for p in only["pairs"])
    assert only["high_risk_pairs"] == 7  # totals are over every pair


def test_unknown_agents_are_reported_not_matched(api, client, org, session_factory):
    source = make_source(api)
    post_signed(client, source, event(agent="ghost-agent"))
    scan = api.get("/enforcement/gap-scan").json()
    assert scan["unmatched_agents"] == ["ghost-agent"] and scan["high_risk_pairs"] == 0
    assert scan["coverage"] is None


def test_classify_rules() -> None:
    full = AgentTools("a", "a", frozenset({"private_data", "untrusted_content", "external_comms"}),
                      False, {})  # fmt: skip
    two = AgentTools("b", "b", frozenset({"private_data", "external_comms"}), False, {})
    one = AgentTools("c", "c", frozenset({"private_data"}), False, {})
    assert classify(full, "send_email", ())[0] == "critical"  # type: ignore[index]
    assert classify(full, "refund_payment", ()) == (
        "critical",
        ["destructive: can change or delete things irreversibly on an agent with the full "
         "lethal trifecta"],
    )  # fmt: skip
    assert classify(two, "query_db", ())[0] == "high"  # type: ignore[index]
    assert classify(one, "query_db", ()) is None  # one leg: not high-risk by itself
    assert classify(one, "delete_records", ())[0] == "high"  # type: ignore[index]
    # a label from the MCP inventory makes the kind even when the name says nothing
    assert classify(two, "do_it", ("public_sink",))[0] == "high"  # type: ignore[index]
    assert classify(one, "lookup_answer", ()) is None


def test_decisions_reported_before_the_agent_registered_count_once_it_does(
    api, client, org, session_factory
):
    # A gateway often reports an agent before the SDK registers it. Those events were
    # stored unmatched and stayed so: once the agent was in the inventory, the gap scan
    # still listed it under unmatched_agents and its blocked calls covered nothing for 7 days.
    source = make_source(api)
    r = post_signed(client, source, event(agent="runner", tool="run_shell", action="blocked"))
    assert r.status_code == 200, r.text
    assert api.get("/enforcement/gap-scan").json()["unmatched_agents"] == ["runner"]
    add_agent(session_factory, org.id, "runner", [("run_shell", None), ("read_logs", None)])
    other = add_agent(session_factory, org.id, "other", [("run_shell", None)])
    assert other
    scan = api.get("/enforcement/gap-scan").json()
    assert scan["unmatched_agents"] == []
    pairs = _pairs(scan)
    assert pairs[("runner", "run_shell")]["covered"] is True
    assert pairs[("runner", "run_shell")]["blocked"] == 1
    assert pairs[("other", "run_shell")]["covered"] is False
    assert scan["blocked_7d"] == 1
