"""The maintained list of local AI runtimes and AI desktop tools (data/ai_runtimes.json)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["Runtime", "match_runtime", "runtimes"]

PATH = Path(__file__).resolve().parents[1] / "data" / "ai_runtimes.json"
_WORDS = re.compile(r"[a-z0-9][a-z0-9.+-]*")


@dataclass(frozen=True)
class Runtime:
    name: str
    category: str
    match: tuple[str, ...]
    exact: tuple[str, ...] = ()
    domain: str | None = None


@lru_cache(maxsize=1)
def runtimes() -> tuple[Runtime, ...]:
    doc = json.loads(PATH.read_text(encoding="utf-8"))
    return tuple(
        Runtime(
            name=r["name"],
            category=r["category"],
            match=tuple(m.lower() for m in r["match"]),
            exact=tuple(e.lower() for e in r.get("exact", [])),
            domain=r.get("domain"),
        )
        for r in doc["runtimes"]
    )


def match_runtime(app_name: object) -> Runtime | None:
    """The runtime an application name is, or None.

    Short, common words ("Jan", "Cursor") match only as the whole name, so an
    app called "January Planner" or "Cursor Pro Themes" is not taken for one.
    """
    if not isinstance(app_name, str) or not app_name.strip():
        return None
    text = " ".join(_WORDS.findall(app_name.lower()[:200]))
    padded = f" {text} "
    for rt in runtimes():
        if text in rt.exact:
            return rt
        for m in rt.match:
            if m in rt.exact:
                continue
            if f" {m} " in padded or (len(m) >= 6 and m in text):
                return rt
    return None
