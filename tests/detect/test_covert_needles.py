"""Needle gates: the literals read from a regex are in every one of its matches."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from threatvec.detect import _covert_intent, _covert_mechanism, _covert_text
from threatvec.detect._covert_needles import Grams, NeedleGate, required_clauses, required_needles
from threatvec.detect._covert_rules import TEXT_PATTERNS
from threatvec.detect.normalize import normalize

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "covert_cases.jsonl"


@cache
def _texts() -> list[tuple[str, Grams]]:
    out: list[str] = []
    for line in VECTORS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        tool = json.loads(line)["tool"]
        stack: list[object] = [tool]
        while stack:
            obj = stack.pop()
            if isinstance(obj, str) and len(obj) >= 4:
                text = normalize(obj).text.lower()
                out.append((text, Grams(text)))
            elif isinstance(obj, dict):
                stack.extend(obj.values())
            elif isinstance(obj, list):
                stack.extend(obj)
    return out


def _gated_patterns() -> list[tuple[str, re.Pattern[str]]]:
    found = []
    for mod in (_covert_intent, _covert_mechanism):
        for name, value in vars(mod).items():
            if isinstance(value, re.Pattern):
                found.append((f"{mod.__name__.rsplit('.', 1)[-1]}.{name}", value))
    found += [
        (f"xdata.{i}", re.compile(src)) for i, src in enumerate(_covert_intent._XDATA_SOURCES)
    ]
    # The pattern table is gated by its derived needles too (issue #4, round 2).
    found += [(f"table.{i}.{p.rule_id}", p.regex) for i, p in enumerate(TEXT_PATTERNS)]
    return found


def test_needles_of_simple_patterns() -> None:
    assert required_needles(re.compile(r"\bsecret(?:s|ly)?\b")) == frozenset({"^secr"})
    assert required_needles(re.compile(r"\b(?:ai|llm)\b")) == frozenset({"=ai", "=llm"})
    assert required_needles(re.compile(r"x?\.env")) == frozenset({"~.env"})
    # The rarest-looking literal of a sequence is chosen.
    assert required_needles(re.compile(r"to\s+https?://")) == frozenset({"^http"})


def test_patterns_without_a_provable_literal_have_no_needles() -> None:
    assert required_needles(re.compile(r"secret", re.IGNORECASE)) is None
    assert required_needles(re.compile(r"(?i:secret)")) is None
    assert required_needles(re.compile(r"(?:secret)?\w+")) is None
    assert required_needles(re.compile(r"secret|\d+")) is None  # one branch needs no literal
    assert required_needles(re.compile(r"[a-z]{2}\d{2}")) is None


def test_gate_rejects_text_without_needles_and_accepts_text_with_them() -> None:
    gate = NeedleGate.of(re.compile(r"\b(?:send|forward)\b[^.]{0,20}\bconversation\b"))
    assert not gate.may_match(Grams("returns the weather for a city"))
    assert gate.may_match(Grams("forward the whole conversation"))
    # Word-start needles are not fooled by the same letters inside a word.
    word = NeedleGate.of(re.compile(r"\bai\b"))
    assert not word.may_match(Grams("email details and contained data"))
    assert word.may_match(Grams("the ai must"))


def test_every_part_of_a_sequence_must_be_present() -> None:
    # Each literal part of a sequence is a clause of its own: a text holding
    # "send" but not "conversation" cannot match, though it holds a needle.
    rx = re.compile(r"\b(?:send|forward)\b[^.]{0,20}\bconversation\b")
    assert set(required_clauses(rx) or ()) == {
        frozenset({"^conv"}),
        frozenset({"^send", "^forw"}),
    }
    gate = NeedleGate.of(rx)
    assert not gate.may_match(Grams("send the weather report to the user"))
    assert not gate.may_match(Grams("the conversation is stored locally"))
    assert gate.may_match(Grams("send the conversation"))
    # A branch joins clause k of every alternative: whichever one matched
    # holds a needle of each joined clause.
    both = required_clauses(re.compile(r"\bread (?:secrets|keys) now\b|\bleak tokens today\b"))
    assert both is not None and len(both) >= 2
    for text in ("read secrets now", "leak tokens today"):
        assert NeedleGate(both).may_match(Grams(text))
    assert not NeedleGate(both).may_match(Grams("read the docs today"))


def test_non_ascii_needles_are_checked_on_non_ascii_text() -> None:
    gate = NeedleGate.of(re.compile(r"对话|聊天记录"))
    assert gate.may_match(Grams("把对话放入参数"))
    assert not gate.may_match(Grams("ascii only text here"))


def test_long_texts_are_never_gated() -> None:
    gate = NeedleGate.of(re.compile(r"\bconversation\b"))
    assert gate.may_match(Grams("x " * 5000))


@pytest.mark.parametrize(("name", "pattern"), _gated_patterns(), ids=lambda v: str(v)[:40])
def test_every_match_in_the_vectors_passes_its_gate(name: str, pattern: re.Pattern[str]) -> None:
    gate = NeedleGate.of(pattern)
    matched = 0
    for text, g in _texts():
        for m in pattern.finditer(text):
            matched += 1
            assert gate.may_match(g), f"{name} matched {m.group(0)!r} but its gate said no"
            # The match alone holds a needle too (context-free patterns aside).
            if not pattern.pattern.startswith(("(?<", "(?:^|(?<")) and "(?<" not in pattern.pattern:
                alone = pattern.fullmatch(m.group(0))
                if alone is not None:
                    assert gate.may_match(Grams(m.group(0))), f"{name}: {m.group(0)!r}"
    assert matched >= 0


def _all_gates() -> list[NeedleGate]:
    gates = list(_covert_intent._GATES.values()) + list(_covert_intent._XDATA_GATES)
    gates += [v for v in vars(_covert_mechanism).values() if isinstance(v, NeedleGate)]
    return gates + list(_covert_mechanism._SINGLE_GATES) + list(_covert_text._PATTERN_GATES)


def test_one_lookup_for_all_gates_agrees_with_each_gate_alone() -> None:
    gates = _all_gates()
    assert len(gates) >= 50
    said_no = 0
    for text, _ in _texts():
        g = Grams(text)  # fresh: its mask is computed by the first check below
        for gate in gates:
            assert gate.may_match(g) == gate.may_match_slowly(g), text[:80]
            said_no += not gate.may_match(g)
    assert said_no > 0  # the gates do reject something on the vectors


def test_a_gate_made_after_a_text_was_looked_up_is_still_checked() -> None:
    g = Grams("forward the whole conversation to the admin")
    assert not NeedleGate.of(re.compile(r"\bweather\b")).may_match(g)
    late = NeedleGate.of(re.compile(r"\bconversation\b"))
    assert late.may_match(g)
    assert not NeedleGate.of(re.compile(r"\bzebra\b")).may_match(g)
