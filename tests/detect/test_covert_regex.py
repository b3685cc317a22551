"""compile_fast: rewritten vocabulary regexes match exactly what they were written to match."""

from __future__ import annotations

import random
import re
from functools import cache

import pytest

# Importing the detector compiles (and registers) every vocabulary regex.
import threatvec.detect.covert  # noqa: F401
from tests.detect.helpers import case_strings
from threatvec.detect import _covert_regex
from threatvec.detect._covert_regex import (
    compile_fast,
    first_letter_groups,
    hoist_boundaries,
    position_guard,
    written_source,
)
from threatvec.detect.normalize import normalize


@cache
def _texts() -> tuple[str, ...]:
    """Every string of the project's cases, normalised and lower-cased as the rules see it."""
    out = [normalize(s).text.lower() for s in case_strings(keys=True) if len(s) >= 4]
    return tuple(dict.fromkeys(out))


def _matches(pattern: re.Pattern[str], text: str) -> list[tuple[object, ...]]:
    return [(m.span(), m.groups(), m.lastgroup, m.lastindex) for m in pattern.finditer(text)]


def _registered() -> list[tuple[str, re.Pattern[str]]]:
    return [
        (written_source(compiled)[:50], compiled)
        for compiled, _ in list(_covert_regex._WRITTEN.values())
    ]


def test_the_detector_compiles_its_vocabularies_fast() -> None:
    assert len(_registered()) >= 80
    assert sum(p.pattern.startswith("(?=") for _, p in _registered()) >= 40


@pytest.mark.parametrize(("name", "fast"), _registered(), ids=lambda v: str(v)[:40])
def test_fast_pattern_matches_as_written_on_every_vector_string(
    name: str, fast: re.Pattern[str]
) -> None:
    written = re.compile(written_source(fast), fast.flags)
    assert fast.groupindex == written.groupindex
    assert fast.groups == written.groups
    for text in _texts():
        assert _matches(fast, text) == _matches(written, text), (name, text[:80])
        # search / match from inside the text see the same context.
        mid = len(text) // 2
        a, b = fast.search(text, mid), written.search(text, mid)
        assert (a and a.span()) == (b and b.span()), (name, text[:80])
        a, b = fast.match(text, mid), written.match(text, mid)
        assert (a and a.span()) == (b and b.span()), (name, text[:80])


def test_boundary_runs_are_grouped_in_place() -> None:
    out = hoist_boundaries(r"\bab|x|\bcd|\bce")
    assert out == r"\b(?:ab)|x|\b(?:c(?:d|e))"
    # Look-behinds move behind the boundary; a whole group joins the run.
    assert hoist_boundaries(r"(?<!x )\bab|\b(?:cd|ef)") == r"\b(?:(?<!x )ab|cd|ef)"


def test_first_letter_groups_never_jump_an_overlapping_alternative() -> None:
    # "[ab]c" may start with "a": the second "a..." must stay after it.
    assert first_letter_groups(["ax", "[ab]c", "ay", "bz"]) == ["ax", "[ab]c", "ay", "bz"]
    assert first_letter_groups(["ax", "bq", "ay"]) == ["a(?:x|y)", "bq"]
    # A capturing group keeps its number: nothing moves across it.
    assert first_letter_groups(["ax", "(b)", "ay"]) == ["ax", "(b)", "ay"]
    # Case-insensitive: "a" and "A" are not exclusive, nothing is gathered.
    assert first_letter_groups(["ax", "ay"], re.IGNORECASE) == ["ax", "ay"]
    # An optional first character is not a fixed first letter.
    assert first_letter_groups(["a?x", "ay"]) == ["a?x", "ay"]


def test_position_guard_requires_what_every_match_starts_with() -> None:
    assert position_guard(r"\bfoo|\bbar") == r"(?=\b[bf])"
    assert position_guard(r"\bfoo|~/") == r"(?=\b[f]|[\~][/])"
    assert position_guard(r"\w+") is None  # may start at any letter
    assert position_guard(r"a?") is None  # may match the empty string
    assert position_guard(r"foo", re.IGNORECASE) is None
    guard = position_guard(r"(?:^|(?<=[.!?]\s))\s*ai")
    assert guard is not None and "(?<=" in guard


def test_compile_fast_keeps_literal_led_patterns_as_they_are() -> None:
    # The engine already scans for a leading literal; a look-ahead would stop that.
    assert compile_fast(r"https?://\S+").pattern == r"https?://\S+"


_WORDS = ["ai", "a", "an", "the", "model", "mode", "you", "x", "é", "模型", "-", "_", "'"]
_PIECES = [r"\b", r"\s+", r"(?<!x )", r"s?", r"[a-c]", r"(?:the|an?)", r"(\w)", r"\.", r"[^.]{0,3}"]


def _random_alternative(rng: random.Random) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.55:
            parts.append(re.escape(rng.choice(_WORDS)))
        else:
            parts.append(rng.choice(_PIECES))
    return "".join(parts)


def test_random_patterns_match_the_same_after_compile_fast() -> None:
    rng = random.Random(4)
    alphabet = [
        "the ",
        "an ",
        "ai",
        "model",
        "mode ",
        "you",
        "x ",
        ". ",
        "é",
        "模型",
        "-",
        "_",
        "'",
        "s",
        "\n",
    ]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25))) for _ in range(60)]
    checked = 0
    for _ in range(400):
        source = "|".join(_random_alternative(rng) for _ in range(rng.randint(1, 6)))
        try:
            written = re.compile(source)
        except re.error:
            continue
        fast = compile_fast(source)
        checked += 1
        for text in texts:
            assert _matches(fast, text) == _matches(written, text), (source, text)
    assert checked > 300


def test_patterns_with_global_flags_are_compiled_as_written() -> None:
    for source, flags in ((r"(?i)\bfoo|\bbar", 0), (r"\bfoo | \bbar", re.VERBOSE)):
        fast = compile_fast(source, flags)
        assert fast.pattern == source
        assert _matches(fast, "FOO bar foo") == _matches(re.compile(source, flags), "FOO bar foo")
