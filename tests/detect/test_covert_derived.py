"""The shipped table of derived regex data (issue #4): complete, fresh, and used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

from threatvec.detect import _covert_derived
from threatvec.detect._covert_derived import TABLE_FILE, derived, parse_table

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from covert_derived import fresh_table  # noqa: E402

# Counts the derivations a fresh process runs while it imports the detector.
_COUNT = """
import json, sys
from threatvec.detect import _covert_needles, _covert_regex
calls = {"fast": 0, "needles": 0}
fast, clauses = _covert_regex.fast_source, _covert_needles._clauses_of
def counted_fast(*a):
    calls["fast"] += 1
    return fast(*a)
def counted_clauses(*a):
    calls["needles"] += 1
    return clauses(*a)
_covert_regex.fast_source = counted_fast
_covert_needles._clauses_of = counted_clauses
import threatvec.detect.covert
print(json.dumps(calls))
"""


def _derivations_at_import(table: str) -> dict[str, int]:
    env = {**os.environ, "THREATVEC_COVERT_TABLE": table}
    done = subprocess.run(
        [sys.executable, "-c", _COUNT], env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout))


def test_shipped_table_equals_a_fresh_derivation() -> None:
    shipped = resources.files("threatvec.detect").joinpath(TABLE_FILE).read_text(encoding="utf-8")
    # Out of date after a pattern edit: run tools/covert_derived.py.
    assert shipped == fresh_table()
    assert len(parse_table(shipped)) > 900


def test_an_import_with_the_table_derives_nothing() -> None:
    assert _derivations_at_import("on") == {"fast": 0, "needles": 0}
    without = _derivations_at_import("off")
    assert without["fast"] > 600
    assert without["needles"] > 300


def test_a_source_missing_from_the_table_is_derived() -> None:
    calls: list[str] = []

    def compute() -> str:
        calls.append("x")
        return "derived"

    value = derived(
        "test-only", "not in any table", 0, compute, to_json=lambda v: v, from_json=lambda v: v
    )
    assert (value, calls) == ("derived", ["x"])


def test_a_stored_value_is_read_through_from_json() -> None:
    key = _covert_derived._key("test-stored", "src", 0)
    table = _covert_derived._load()
    table[key] = ["a", "b"]
    try:
        got = derived(
            "test-stored",
            "src",
            0,
            lambda: ("computed",),
            to_json=list,
            from_json=tuple,
        )
    finally:
        del table[key]
    assert got == ("a", "b")


def test_a_broken_or_foreign_table_is_ignored() -> None:
    assert parse_table("{not json") == {}
    assert parse_table("[]") == {}
    assert parse_table('{"format": 999, "values": {"k": "v"}}') == {}
    assert parse_table('{"format": 1, "values": []}') == {}
    assert parse_table('{"format": 1, "values": {"k": "v"}}') == {"k": "v"}
