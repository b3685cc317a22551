"""Derived regex data, shipped so an import of the detector need not redo it (issue #4).

``compile_fast``'s rewrite of a pattern and the literals its needle gate
requires are pure functions of the pattern's source and flags, but deriving
them parses each of the ~900 patterns several times: over a second of every
process's start (``threatvec detect``, ``mcp scan``, the server). The table in
``data/covert_derived.json`` holds each derived value under a digest of its
source; ``tools/covert_derived.py`` writes it.

A source not in the table (a pattern edited since the table was written, or
one built at scan time from a tool's name) is derived as before, so a stale
table costs time, never a different match.
``tests/detect/test_covert_derived.py`` checks that the shipped table is
complete and equal to a fresh derivation. ``THREATVEC_COVERT_TABLE=off``
ignores the table and records every value derived (the tool's mode).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from importlib import resources
from typing import Any, TypeVar

__all__ = ["TABLE_FILE", "derived", "parse_table", "recorded", "table_in_use"]

TABLE_FILE = "data/covert_derived.json"
# Bump when the meaning of a stored value changes; a table of another format
# is ignored (everything derived afresh), never misread.
_FORMAT = 1

T = TypeVar("T")

_LOCK = threading.Lock()
_table: dict[str, Any] | None = None
_recorded: dict[str, Any] = {}


def table_in_use() -> bool:
    """False when ``THREATVEC_COVERT_TABLE=off`` asks for every value derived afresh."""
    return os.environ.get("THREATVEC_COVERT_TABLE", "").lower() != "off"


def _load() -> dict[str, Any]:
    global _table
    if _table is None:
        with _LOCK:
            if _table is None:
                _table = _read() if table_in_use() else {}
    return _table


def _read() -> dict[str, Any]:
    try:
        raw = resources.files("threatvec.detect").joinpath(TABLE_FILE).read_text(encoding="utf-8")
    except OSError:
        return {}  # no table: derive everything, as without it
    return parse_table(raw)


def parse_table(raw: str) -> dict[str, Any]:
    """The stored values of a table file's text; empty for a broken or foreign one."""
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return {}
    values = data.get("values")
    return values if isinstance(values, dict) else {}


def _key(kind: str, source: str, flags: int) -> str:
    text = f"{kind}\x00{flags}\x00{source}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def derived(
    kind: str,
    source: str,
    flags: int,
    compute: Callable[[], T],
    *,
    to_json: Callable[[T], Any],
    from_json: Callable[[Any], T],
) -> T:
    """The value ``compute()`` derives from ``source``, read from the table when it is there.

    ``kind`` names the derivation (one key space per kind); ``to_json`` and
    ``from_json`` convert the value to and from what the table stores.
    """
    key = _key(kind, source, flags)
    table = _load()
    if key in table:
        return from_json(table[key])
    value = compute()
    if not table_in_use():
        _recorded[key] = to_json(value)
    return value


def recorded() -> dict[str, Any]:
    """Every value derived afresh in this process (with the table off): the table to write."""
    return {"format": _FORMAT, "values": dict(sorted(_recorded.items()))}
