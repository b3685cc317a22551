"""The guard-rule vocabulary, tool kinds and which rules an agent needs."""

from __future__ import annotations

import pytest

from threatvec.agents.rules import RULES, get_rule, recommended_rules, tool_kinds

# ── tool kinds and the rule vocabulary ────────────────────────────────────


@pytest.mark.parametrize(
    ("name", "labels", "expected"),
    [
        ("readFile", (), {"private_data", "file_access"}),
        ("query_db", (), {"private_data"}),
        ("web-fetch", (), {"untrusted_content"}),
        ("read_email", (), {"private_data", "untrusted_content"}),
        ("send_email", (), {"external_comms"}),
        ("http_post", (), {"external_comms"}),
        ("slack.post_message", (), {"external_comms"}),
        ("delete_user", (), {"destructive"}),
        ("run_shell", (), {"code_exec"}),
        ("get_time", (), set()),
        ("get_time", ("public_sink", "destructive", "nonsense"), {"external_comms", "destructive"}),
    ],
)
def test_tool_kinds(name: str, labels: tuple[str, ...], expected: set[str]) -> None:
    assert tool_kinds(name, labels) == expected


def test_vocabulary_is_documented_and_unique() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for required in (
        "prompt_injection_guard",
        "pii_redaction",
        "tool_allowlist",
        "egress_allowlist",
        "human_approval_destructive",
        "output_filtering",
        "token_budget",
        "secret_scanning",
    ):
        rule = get_rule(required)
        assert rule.name and len(rule.description) > 30
    with pytest.raises(KeyError):
        get_rule("made_up")


def test_recommended_rules_follow_legs_and_kinds() -> None:
    assert [r.rule.id for r in recommended_rules(set(), set())] == ["token_budget"]
    recs = {r.rule.id: r.because for r in recommended_rules({"external_comms"}, {"destructive"})}
    assert set(recs) == {
        "tool_allowlist",
        "egress_allowlist",
        "human_approval_destructive",
        "output_filtering",
        "token_budget",
    }
    assert recs["tool_allowlist"] == ("leg:external_comms", "tool:destructive")
    assert recs["token_budget"] == ("every agent",)
