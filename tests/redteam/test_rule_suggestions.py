"""Validation of LLM mapping suggestions and the rule an approved one becomes (no network)."""

from __future__ import annotations

from typing import Any

from threatvec.redteam.cve_rules import CveFacts, map_cve
from threatvec.redteam.rule_suggestions import approved_rule, suggest_mapping

CVE_ID = "CVE-2024-28088"


class _Answers:
    model = "scripted"

    def __init__(self, answer: dict[str, Any] | None) -> None:
        self.answer = answer

    def chat_json(self, messages: Any) -> dict[str, Any] | None:
        return self.answer


def test_unusable_answers_are_no_suggestion_and_only_approved_ones_are_rules() -> None:
    cve = CveFacts(CVE_ID, "LangChain allows ../ directory traversal")
    assert suggest_mapping(cve, _Answers(None)) is None
    assert suggest_mapping(cve, _Answers({"techniques": ["AML.T0057"], "families": []})) is None
    assert suggest_mapping(cve, _Answers({"families": "data_leakage"})) is None
    got = suggest_mapping(cve, _Answers({"families": ["data_leakage"], "rationale": "x" * 900}))
    assert got is not None and got.techniques == () and len(got.rationale) == 500
    stored = got.as_dict()
    assert approved_rule("row12345678", stored) is None  # pending: not a rule
    rule = approved_rule("row12345678", {**stored, "state": "approved"})
    assert rule is not None and rule.id == "LLM-row12345" and rule.cve_ids == (CVE_ID,)
    assert map_cve(cve, [rule]) and not map_cve(CveFacts("CVE-2000-0001", cve.description), [rule])
