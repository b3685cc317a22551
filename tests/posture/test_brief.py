"""The brief: trend, deterministic wording with real numbers and ids, and the checked LLM path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.core.llm_server import FakeLlmServer
from threatvec.core.llm import LlmClient
from threatvec.posture.brief import (
    HistoryPoint,
    brief_facts,
    build_brief,
    check_llm_text,
    deterministic_brief,
    trend,
)
from threatvec.posture.composite import compute_posture
from threatvec.posture.dimensions import DimensionScore
from threatvec.posture.factors import Factor, Risk, Score

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
HISTORY = [
    HistoryPoint(NOW - timedelta(days=8), 65.5),
    HistoryPoint(NOW - timedelta(days=6), None),
    HistoryPoint(NOW - timedelta(hours=30), 60.0),
    HistoryPoint(NOW - timedelta(hours=2), 61.0),
]

R_AGENT = Risk(
    "agent:agent-7:rule_coverage",
    "agent",
    "Agent billing-bot runs 2 of 7 recommended guard rules",
    "Enable egress_allowlist on agent billing-bot",
    10.0,
    ("agent-7",),
)
R_MCP = Risk(
    "mcp:srv-3:covert",
    "mcp",
    "MCP server fetch scores 62; covert 15/35",
    "Remove or replace the tools of MCP server fetch that carry hidden instructions",
    8.0,
    ("srv-3",),
)
R_SHADOW = Risk(
    "shadow:svc-9",
    "shadow",
    "HIGH shadow AI service chat.example.ai (unregistered, PII seen in 3 upload(s))",
    "Stop uploads of personal data to chat.example.ai: block it or register it",
    14.0,
    ("svc-9",),
)


def dim(name: str, value: float | None, *risks: Risk) -> DimensionScore:
    if value is None:
        return DimensionScore(name, Score.missing("nothing"))
    return DimensionScore(name, Score.from_parts([Factor("all", value, 100)]), risks)


def posture():  # composite 0.4·60 + 0.35·80 + 0.25·40 = 62
    return compute_posture(
        [dim("agent", 60, R_AGENT), dim("mcp", 80, R_MCP), dim("shadow", 40, R_SHADOW)]
    )


def test_trend_uses_the_latest_snapshot_old_enough() -> None:
    t = trend(HISTORY, 62.0, NOW)
    assert t.change_24h == pytest.approx(2.0)  # against 60.0, 30 h ago (not 61.0, 2 h ago)
    assert t.change_7d == pytest.approx(-3.5)  # against 65.5, 8 d ago (6 d ago had no data)
    assert trend([], 62.0, NOW) == trend(HISTORY[3:], 62.0, NOW)
    assert trend([], 62.0, NOW).change_24h is None
    assert trend(HISTORY, None, NOW).change_7d is None


def test_facts_rank_by_composite_gain() -> None:
    facts = brief_facts(posture(), history=HISTORY, now=NOW)
    assert facts["score"] == 62.0
    assert facts["trend"] == {
        "window_hours": 24,
        "window_days": 7,
        "change_24h": 2.0,
        "change_7d": -3.5,
    }
    # agent 10 × 0.40 = 4.0, shadow 14 × 0.25 = 3.5, mcp 8 × 0.35 = 2.8
    assert [(r["id"], r["gain"]) for r in facts["top_risks"]] == [
        ("agent:agent-7:rule_coverage", 4.0),
        ("shadow:svc-9", 3.5),
        ("mcp:srv-3:covert", 2.8),
    ]
    assert facts["action"] == {
        "risk_id": "agent:agent-7:rule_coverage",
        "text": "Enable egress_allowlist on agent billing-bot",
        "objects": ["agent-7"],
        "gain": 4.0,
        "score_after": 66.0,
    }


def test_deterministic_brief_text() -> None:
    b = build_brief(posture(), history=HISTORY, now=NOW)
    assert b.source == "deterministic" and b.llm_rejected is None
    assert b.text.splitlines() == [
        "Your AI security posture is 62.0/100, up 2.0 points over 24 hours and down 3.5 "
        "points over 7 days.",
        "Dimensions: Agents 60.0 (weight 40); MCP servers 80.0 (weight 35); "
        "Shadow AI 40.0 (weight 25).",
        "Top risks:",
        "1. Agent billing-bot runs 2 of 7 recommended guard rules [agent-7]; fixing it adds "
        "4.0 points.",
        "2. HIGH shadow AI service chat.example.ai (unregistered, PII seen in 3 upload(s)) "
        "[svc-9]; fixing it adds 3.5 points.",
        "3. MCP server fetch scores 62; covert 15/35 [srv-3]; fixing it adds 2.8 points.",
        "Recommended action: Enable egress_allowlist on agent billing-bot. Expected gain: "
        "4.0 points (62.0 to 66.0).",
    ]
    # the deterministic wording passes its own check
    assert check_llm_text(b.text, b.facts) is None


def test_brief_with_no_data_and_with_no_history() -> None:
    empty = build_brief(compute_posture([]), now=NOW)
    assert empty.text.startswith("No posture score yet")
    p = compute_posture([dim("agent", 100), dim("mcp", None), dim("shadow", 100)])
    text = build_brief(p, now=NOW).text
    assert "62.0" not in text and "100.0/100, with no earlier snapshot to compare with yet." in text
    only_old = build_brief(p, history=[HistoryPoint(NOW - timedelta(hours=25), 90.0)], now=NOW)
    assert "up 10.0 points over 24 hours and no snapshot from 7 days ago" in only_old.text
    assert "MCP servers no data (left out)" in text
    assert "No open risks" in text


GOOD = (
    "Posture is 62.0 out of 100, up 2.0 points in the last 24 hours but down 3.5 over 7 days. "
    "The biggest risk is agent-7 (billing-bot), which runs only 2 of 7 recommended guard "
    "rules. Next come shadow service svc-9 (chat.example.ai), which received personal data, "
    "and MCP server srv-3 with hidden instructions. Enable egress_allowlist on billing-bot "
    "first: it should lift the score by 4.0 points to 66.0."
)


def test_check_accepts_faithful_wording() -> None:
    facts = brief_facts(posture(), history=HISTORY, now=NOW)
    assert check_llm_text(GOOD, facts) is None
    assert check_llm_text("Score 62 (rounded), e.g. a 24-hour view.", facts) is None
    assert check_llm_text("Score ≈62.0, −3.5 over 7 days, ~4 points to gain.", facts) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (GOOD.replace("4.0 points", "9.5 points"), "number '9.5' is not in the facts"),
        (GOOD.replace("svc-9", "svc-42"), "number '42' is not in the facts"),
        (GOOD.replace("billing-bot first", "payments_db first"), "identifier 'payments_db'"),
        (GOOD.replace("chat.example.ai", "evil.example.org"), "identifier 'evil.example.org'"),
        (GOOD.replace("62.0 out of 100", "good"), "the score is not stated"),
        ("", "empty text"),
        ("62.0 " + "word " * 1000, "longer than 4000 characters"),
    ],
)
def test_check_rejects_invented_numbers_and_ids(text: str, reason: str) -> None:
    facts = brief_facts(posture(), history=HISTORY, now=NOW)
    problem = check_llm_text(text, facts)
    assert problem is not None and problem.startswith(reason)


def test_digits_inside_an_id_do_not_excuse_a_number() -> None:
    # object ids are random hex: "…99…" inside one must not make "99" a known number
    facts = brief_facts(posture(), history=HISTORY, now=NOW)
    facts["risks"] = [*facts.get("risks", []), {"objects": ["3f2b99c0d8e7a4b6"]}]
    problem = check_llm_text(GOOD.replace("svc-9", "svc-99"), facts)
    assert problem == "number '99' is not in the facts"
    # a number written as a word of its own still counts
    facts["risks"].append({"title": "99 agents"})
    assert check_llm_text(GOOD.replace("svc-9", "svc-99"), facts) is None


def llm(server: FakeLlmServer) -> LlmClient:
    return LlmClient(base_url=server.base_url, model="m", api_key="k", timeout=2, backoff=0.01)


def test_llm_wording_is_used_when_it_checks_out() -> None:
    import json

    with FakeLlmServer(("reply", json.dumps({"brief": GOOD}))) as srv:
        b = build_brief(posture(), history=HISTORY, now=NOW, llm=llm(srv))
    assert b.source == "llm" and b.text == GOOD and b.llm_rejected is None
    sent = srv.requests[0]["body"]
    assert sent["response_format"] == {"type": "json_object"}
    # the model sees exactly the facts the checker uses
    assert json.loads(sent["messages"][1]["content"]) == b.facts


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (GOOD.replace("4.0 points", "12.0 points"), "number '12.0'"),
        (GOOD.replace("agent-7", "agent-19"), "number '19'"),
        (GOOD.replace("srv-3", "prod_mcp_01"), "identifier 'prod_mcp_01'"),
    ],
)
def test_llm_wording_with_invented_facts_falls_back(bad: str, reason: str) -> None:
    import json

    with FakeLlmServer(("reply", json.dumps({"brief": bad}))) as srv:
        b = build_brief(posture(), history=HISTORY, now=NOW, llm=llm(srv))
    assert b.source == "deterministic"
    assert b.text == deterministic_brief(b.facts)
    assert b.llm_rejected is not None and b.llm_rejected.startswith(reason)


@pytest.mark.parametrize(
    "script",
    [("status", 500), ("garbage",), ("reply", "not json at all"), ("reply", '{"other": 1}')],
    ids=["http-500", "garbage-body", "no-json", "no-brief-key"],
)
def test_llm_failures_fall_back(script: tuple) -> None:
    with FakeLlmServer(script) as srv:
        b = build_brief(posture(), history=HISTORY, now=NOW, llm=llm(srv))
    assert b.source == "deterministic"
    assert b.llm_rejected == "no usable LLM reply"
    assert "62.0/100" in b.text
