"""The patch query, both ways: keyword rules, and an OpenAI-compatible LLM (a real local server)."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import create_org
from tests.core.llm_server import FakeLlmServer
from threatvec.core.llm import LlmClient
from threatvec.store.engine import session_scope
from threatvec.vulns import demo
from threatvec.vulns.ask import answer_question, extract_intent_rules, sanitize_llm_answer

_CVE = re.compile(r"CVE-\d{4}-\d{4,}")


@pytest.fixture
def demo_org(session_factory):
    org = create_org(session_factory)
    with session_scope(session_factory) as s:
        demo.seed(session=s, org_id=org.id)
    return org


def _sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text))


def test_rules_answer_the_linux_question(session_factory, demo_org) -> None:
    with session_scope(session_factory) as s:
        r = answer_question(
            session=s, org_id=demo_org.id, question="what linux patches matter most right now?"
        )
    assert r.engine == "rules"
    assert r.intent.technology == "linux"
    assert r.intent.status == ["open", "investigating"]
    assert r.cited[0] == "CVE-2024-1086"  # KEV-listed, in the stack's kernel range
    assert set(_CVE.findall(r.answer)) <= {p.cve_id for p in r.results}
    assert 2 <= _sentences(r.answer) <= 4
    assert "overdue" in r.answer and "priority" in r.answer


@pytest.mark.parametrize(
    ("question", "expect"),
    [
        (
            "critical AI CVEs in our stack from the last 30 days",
            {"severity": ["CRITICAL"], "ai_only": True, "in_stack": True, "since_days": 30},
        ),
        ("which known exploited vulnerabilities are overdue?", {"kev": True, "overdue": True}),
        ("show won't fix pytorch issues", {"technology": "torch", "status": ["wont_fix"]}),
        ("what is due soonest this week", {"sort": "due", "since_days": 7}),
        ("jupyter notebook bugs", {"technology": "notebook"}),
    ],
)
def test_rule_intents(session_factory, demo_org, nvd_raw, question, expect) -> None:
    if expect.get("technology") == "notebook":
        from threatvec.vulns.ingest import store_nvd_records
        from threatvec.vulns.nvd import parse_cve

        jupyter = [c for c in nvd_raw if "jupyter" in json.dumps(c.get("configurations", []))]
        with session_scope(session_factory) as s:
            store_nvd_records(s, [parse_cve(c) for c in jupyter[:1]], org_ids=[demo_org.id])
    with session_scope(session_factory) as s:
        intent = extract_intent_rules(s, demo_org.id, question)
    for key, value in expect.items():
        assert getattr(intent, key) == value, (key, intent)


def test_no_match_says_so_without_citing(session_factory, demo_org) -> None:
    with session_scope(session_factory) as s:
        r = answer_question(
            session=s, org_id=demo_org.id, question="low severity langflow issues fixed this week"
        )
    assert r.total == 0 and r.cited == [] and "No " in r.answer


def test_sanitize_drops_made_up_ids() -> None:
    text = (
        "CVE-2024-1086 matters most. CVE-2099-99999 is also urgent. "
        "Patch the kernel to 6.1.76 first."
    )
    answer, cited = sanitize_llm_answer(text, ["CVE-2024-1086"])
    assert "CVE-2099-99999" not in answer and cited == ["CVE-2024-1086"]
    assert "6.1.76" in answer
    assert sanitize_llm_answer("CVE-2099-99999 is bad.", ["CVE-2024-1086"]) is None


def test_llm_extracts_intent_and_words_the_answer(session_factory, demo_org) -> None:
    intent = {
        "technology": "Linux",
        "severity": [],
        "since_days": None,
        "status": ["open", "investigating"],
        "overdue": None,
        "kev": None,
        "in_stack": None,
        "ai_only": None,
        "sort": "priority",
    }
    worded = (
        "Start with CVE-2024-1086: the nf_tables flaw is on CISA's KEV list and overdue. "
        "CVE-2021-44228 also needs patching today. "
        "Then CVE-2023-0386, the OverlayFS escalation."
    )
    with FakeLlmServer(
        ("reply", "```json\n" + json.dumps(intent) + "\n```"), ("reply", worded)
    ) as llm_server:
        llm = LlmClient(base_url=llm_server.base_url, model="fake-model", api_key="sk-test")
        with session_scope(session_factory) as s:
            r = answer_question(
                session=s,
                org_id=demo_org.id,
                question="what linux patches matter most right now?",
                llm=llm,
            )
        assert r.engine == "llm" and r.intent.source == "llm" and r.intent.technology == "linux"
        assert "CVE-2021-44228" not in r.answer  # made up: not in the result, removed
        assert r.cited == ["CVE-2024-1086", "CVE-2023-0386"]
        assert len(llm_server.requests) == 2
        facts = llm_server.requests[1]["body"]["messages"][1]["content"]
        assert "CVE-2024-1086" in facts and "matching_total" in facts
        assert llm_server.requests[0]["headers"]["Authorization"] == "Bearer sk-test"


def test_llm_failures_fall_back_to_rules(session_factory, demo_org) -> None:
    with FakeLlmServer(("reply", "not json at all"), ("status", 500)) as llm_server:
        llm = LlmClient(base_url=llm_server.base_url, model="m", retries=0)
        with session_scope(session_factory) as s:
            r = answer_question(
                session=s,
                org_id=demo_org.id,
                question="what linux patches matter most right now?",
                llm=llm,
            )
    assert r.engine == "rules" and r.intent.source == "rules"
    assert r.cited[0] == "CVE-2024-1086"


def test_api_uses_the_configured_llm(fresh_app) -> None:
    intent = {"technology": "pytorch", "status": ["open", "investigating"], "sort": "priority"}
    with FakeLlmServer(
        ("reply", json.dumps(intent)),
        ("reply", "Patch CVE-2025-32434 now: torch 2.5.1 loads untrusted weights. It is overdue."),
    ) as llm_server:
        app = fresh_app(llm_base_url=llm_server.base_url, llm_model="fake-model")
        with TestClient(app) as c:
            org = create_org(app.state.session_factory)
            with session_scope(app.state.session_factory) as s:
                demo.seed(session=s, org_id=org.id)
            r = c.post(
                "/api/v1/patches/ask",
                headers=org.headers,
                json={"question": "which pytorch fixes do we need?"},
            )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["engine"] == "llm" and body["cited"] == ["CVE-2025-32434"]
    assert body["results"][0]["cve_id"] == "CVE-2025-32434"


def test_a_named_cve_is_answered_about_that_cve(session_factory, demo_org) -> None:
    # CVE-2023-39417 (PostgreSQL) is fixed in the demo and not AI-relevant:
    # the generic top list never mentions it, so the answer must come from the id.
    with session_scope(session_factory) as s:
        r = answer_question(session=s, org_id=demo_org.id, question="is CVE-2023-39417 patched?")
    assert r.intent.cve_ids == ["CVE-2023-39417"]
    assert [p.cve_id for p in r.results] == ["CVE-2023-39417"]
    assert r.cited == ["CVE-2023-39417"]
    assert "fixed" in r.answer
    assert 2 <= _sentences(r.answer) <= 4
    assert ", fixed." not in r.answer  # the status leads; not repeated as the due date


def test_named_cves_answer_gives_each_status_not_the_question_words(
    session_factory, demo_org
) -> None:
    # CVE-2024-37032 is investigating in the demo; the words "fixed" and
    # "critical" in the question must not turn into a "fixed critical CVEs" count.
    with session_scope(session_factory) as s:
        r = answer_question(
            session=s,
            org_id=demo_org.id,
            question="is critical CVE-2024-37032 fixed? and CVE-2099-0001?",
        )
    assert [p.cve_id for p in r.results] == ["CVE-2024-37032"]
    assert "CVE-2024-37032 is investigating" in r.answer
    assert "fixed" not in r.answer and "critical CVEs" not in r.answer
    assert "1 of the 2 CVEs asked about" in r.answer
    assert r.cited == ["CVE-2024-37032"]
    assert 2 <= _sentences(r.answer) <= 4


def test_a_named_cve_the_org_does_not_have_is_not_answered_with_others(
    session_factory, demo_org
) -> None:
    other = create_org(session_factory)
    with session_scope(session_factory) as s:
        r = answer_question(session=s, org_id=other.id, question="what about cve-2024-1086?")
    # Another org's exposure is not this org's: no rows, no citation, says so.
    assert r.results == [] and r.cited == []
    assert "CVE-2024-1086" in r.answer and "No " in r.answer


@pytest.mark.parametrize(
    ("question", "since"),
    [
        ("langchain CVEs from the last 20 years", 3650),  # 7,300 days: was a 500
        ("critical bugs in the past 9999 months", 3650),
        ("anything in the last 0 days", 1),
    ],
)
def test_time_frames_outside_the_range_are_clamped(
    session_factory, demo_org, question: str, since: int
) -> None:
    with session_scope(session_factory) as s:
        r = answer_question(session=s, org_id=demo_org.id, question=question)
    assert r.intent.since_days == since
    assert 2 <= _sentences(r.answer) <= 4


@pytest.mark.parametrize(
    "question",
    [
        "top priorities",
        "what are our top priorities?",
        "which CVEs to fix first",
        "most important AI vulnerabilities",
        "prioritize our patching",
        "riskiest CVEs in our stack",
    ],
)
def test_questions_about_what_to_act_on_ask_for_open_work(
    session_factory, demo_org, question
) -> None:
    # "top priorities" asked about every status: the demo org's answer led
    # with a CVE already marked fixed ("CVE-2023-1177 matters most: ... fixed")
    # and named a wont_fix one next.
    with session_scope(session_factory) as s:
        intent = extract_intent_rules(s, demo_org.id, question)
    assert intent.status == ["open", "investigating"], intent


def test_questions_about_every_cve_keep_every_status(session_factory, demo_org) -> None:
    with session_scope(session_factory) as s:
        intent = extract_intent_rules(s, demo_org.id, "list the newest CVEs")
    assert intent.status == []
