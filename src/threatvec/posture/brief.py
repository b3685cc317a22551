"""The plain-English posture brief: score and trend, top three risks, one recommended action.

The brief is built from a *facts* dictionary (`brief_facts`): numbers rounded
to one decimal, risks ranked by what fixing each gains the composite
(whatif.py). `deterministic_brief` words it without any model. With an LLM
configured, the model rewrites the same facts and its text is checked
(`check_llm_text`): every number and every identifier in it must come from the
facts, and it must state the score; otherwise the deterministic text is used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from threatvec.core.llm import LlmClient
from threatvec.posture.composite import PostureScore
from threatvec.posture.factors import round1
from threatvec.posture.whatif import rank_risks

__all__ = [
    "Brief",
    "HistoryPoint",
    "Trend",
    "brief_facts",
    "build_brief",
    "check_llm_text",
    "deterministic_brief",
    "trend",
]

TREND_WINDOWS: tuple[tuple[str, timedelta], ...] = (
    ("change_24h", timedelta(hours=24)),
    ("change_7d", timedelta(days=7)),
)
MAX_LLM_CHARS = 4000


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One stored posture snapshot: when, and the composite then (None: no data then)."""

    at: datetime
    value: float | None


@dataclass(frozen=True, slots=True)
class Trend:
    change_24h: float | None
    change_7d: float | None

    def to_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round1(x)

        return {"change_24h": r(self.change_24h), "change_7d": r(self.change_7d)}


def trend(history: Sequence[HistoryPoint], current: float | None, now: datetime) -> Trend:
    """Change against the latest snapshot at least 24 h / 7 d old; None without one."""
    changes: dict[str, float | None] = {}
    for key, window in TREND_WINDOWS:
        cutoff = now - window
        past = [p for p in history if p.at <= cutoff and p.value is not None]
        if current is None or not past:
            changes[key] = None
            continue
        ref = max(past, key=lambda p: p.at)
        assert ref.value is not None
        changes[key] = current - ref.value
    return Trend(changes["change_24h"], changes["change_7d"])


def _r(x: float | None) -> float | None:
    return None if x is None else round1(x)


def brief_facts(
    posture: PostureScore,
    *,
    history: Sequence[HistoryPoint] = (),
    now: datetime,
    top: int = 3,
) -> dict[str, Any]:
    """Everything the brief may say, as JSON-ready data (the LLM sees exactly this)."""
    tr = trend(history, posture.value, now)
    ranked = [w for w in rank_risks(posture, limit=top) if w.gain > 0.05]
    risks = [
        {
            "rank": i,
            "id": w.risk.id,
            "dimension": w.risk.dimension,
            "title": w.risk.title,
            "objects": list(w.risk.objects),
            "gain": round1(w.gain),
            "action": w.risk.action,
        }
        for i, w in enumerate(ranked, 1)
    ]
    action = None
    if ranked:
        best = ranked[0]
        action = {
            "risk_id": best.risk.id,
            "text": best.risk.action,
            "objects": list(best.risk.objects),
            "gain": round1(best.gain),
            "score_after": _r(best.after),
        }
    return {
        "score": _r(posture.value),
        "scale_max": 100,
        "trend": {"window_hours": 24, "window_days": 7, **tr.to_dict()},
        "dimensions": [
            {
                "name": d.name,
                "label": d.display_name,
                "score": _r(d.value),
                "status": d.score.status,
                "weight": round1(posture.weights.get(d.name, 0.0)),
            }
            for d in posture.dimensions
        ],
        "top_risks": risks,
        "action": action,
    }


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def _change_phrase(change: float | None, span: str) -> str:
    if change is None:
        return f"no snapshot from {span} ago to compare with"
    if abs(change) < 0.05:
        return f"unchanged over {span}"
    direction = "up" if change > 0 else "down"
    return f"{direction} {_fmt(abs(change))} points over {span}"


def deterministic_brief(facts: dict[str, Any]) -> str:
    """The brief worded without a model; cites the real numbers and ids."""
    score = facts["score"]
    if score is None:
        return (
            "No posture score yet: none of the dimensions has data. Connect an agent with "
            "the SDK, scan an MCP configuration or install the browser extension to start."
        )
    t = facts["trend"]
    if t["change_24h"] is None and t["change_7d"] is None:
        trend_text = "with no earlier snapshot to compare with yet"
    else:
        trend_text = (
            f"{_change_phrase(t['change_24h'], '24 hours')} and "
            f"{_change_phrase(t['change_7d'], '7 days')}"
        )
    lines = [f"Your AI security posture is {_fmt(score)}/100, {trend_text}."]
    dims = []
    for d in facts["dimensions"]:
        if d["score"] is None:
            dims.append(f"{d['label']} no data (left out)")
        else:
            dims.append(f"{d['label']} {_fmt(d['score'])} (weight {d['weight']:g})")
    lines.append("Dimensions: " + "; ".join(dims) + ".")
    if not facts["top_risks"]:
        lines.append("No open risks: every dimension with data is at full marks.")
        return "\n".join(lines)
    lines.append("Top risks:")
    for r in facts["top_risks"]:
        objs = ", ".join(r["objects"]) or "none"
        lines.append(
            f"{r['rank']}. {r['title']} [{objs}]; fixing it adds {_fmt(r['gain'])} points."
        )
    a = facts["action"]
    lines.append(
        f"Recommended action: {a['text']}. Expected gain: {_fmt(a['gain'])} points "
        f"({_fmt(score)} to {_fmt(a['score_after'])})."
    )
    return "\n".join(lines)


# ── checking an LLM's wording ────────────────────────────────────────────

_PUNCT = " \t\n.,;:!?()[]{}\"'`*“”‘’«»~≈"
_NUMBER = re.compile(r"[+±-]?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(%|pts?|h|d|x|st|nd|rd|th)?")
_FACT_NUMBER = re.compile(r"(?<![\w.])" + _NUMBER.pattern + r"(?![\w])")
_ABBREVIATIONS = {"e.g", "i.e", "etc", "vs"}


def _walk(obj: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, str(k))
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from _walk(v, key)
    else:
        yield key, obj


def _tokens(text: str) -> Iterator[str]:
    for raw in text.split():
        tok = raw.strip(_PUNCT)
        if tok:
            yield tok


def _fact_vocabulary(facts: dict[str, Any]) -> tuple[set[float], set[str]]:
    """Numbers and tokens (ids, names, words) that the facts contain."""
    numbers: set[float] = set()
    tokens: set[str] = set()
    for _key, val in _walk(facts):
        if isinstance(val, bool) or val is None:
            continue
        if isinstance(val, int | float):
            numbers.add(abs(float(val)))
        elif isinstance(val, str):
            for tok in _tokens(val):
                tokens.add(tok)
                for piece in re.split(r"[-/–−]", tok):
                    tokens.add(piece.strip(_PUNCT))
            # numbers written as words of their own ("3 agents", "72.4%"), not the
            # digits inside an id such as "3f2b99c0…", which would excuse any number
            for m in _FACT_NUMBER.finditer(val):
                numbers.add(float(m.group(1).replace(",", "") + (m.group(2) or "")))
    return numbers, tokens


def _number_supported(m: re.Match[str], numbers: set[float]) -> bool:
    value = float(m.group(1).replace(",", "") + (m.group(2) or ""))
    decimals = len(m.group(2)) - 1 if m.group(2) else 0
    # "72" for 72.4 or "4.2" for 4.25 are faithful roundings of a fact
    tolerance = 0.5 * 10**-decimals + 1e-9
    return any(abs(f - value) <= tolerance for f in numbers)


def check_llm_text(text: str, facts: dict[str, Any]) -> str | None:
    """Why the LLM's text cannot be used (an invented number or id, ...), or None if it can."""
    if not text.strip():
        return "empty text"
    if len(text) > MAX_LLM_CHARS:
        return f"longer than {MAX_LLM_CHARS} characters"
    numbers, tokens = _fact_vocabulary(facts)
    # whole tokens are matched first, so a known id such as "agent-7" or
    # "mcp:srv-3:covert" passes as a unit while "agent-19" is split and its
    # number checked
    for tok in _tokens(text):
        if tok in tokens or tok.lower() in _ABBREVIATIONS:
            continue
        for piece in re.split(r"[-/–−]", tok):
            piece = piece.strip(_PUNCT)
            if not piece or piece in tokens or piece.lower() in _ABBREVIATIONS:
                continue
            m = _NUMBER.fullmatch(piece)
            if m:
                if not _number_supported(m, numbers):
                    return f"number {piece!r} is not in the facts"
            elif re.search(r"\d", piece) or re.search(r"[_:.@]", piece):
                return f"identifier {piece!r} is not in the facts"
    score = facts.get("score")
    if score is not None:
        cited = [t for t in _tokens(text) if re.fullmatch(r"\d+(?:\.\d+)?(?:/100)?", t)]
        cited = [c.removesuffix("/100") for c in cited]
        if not any(abs(float(c) - score) <= 0.5 + 1e-9 for c in cited):
            return "the score is not stated"
    return None


@dataclass(frozen=True, slots=True)
class Brief:
    text: str
    source: str  # "deterministic" | "llm"
    facts: dict[str, Any]
    llm_rejected: str | None = None  # why the LLM's wording was not used

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "source": self.source,
            "facts": self.facts,
            "llm_rejected": self.llm_rejected,
        }


_SYSTEM = (
    "You write a short security brief for a security team. Use ONLY the facts in the JSON "
    "the user sends. Do not add any number, identifier, name or host that is not in the "
    "facts; copy numbers exactly as given, one decimal. Say the posture score and its "
    "trend, the top risks with the ids of their objects, and the one recommended action "
    "with the points it gains. Plain English, under 180 words, no markdown headings. "
    'Answer as JSON: {"brief": "<text>"}.'
)


def build_brief(
    posture: PostureScore,
    *,
    history: Sequence[HistoryPoint] = (),
    now: datetime,
    llm: LlmClient | None = None,
) -> Brief:
    """The brief: LLM-worded when a client is given and its text passes the check."""
    facts = brief_facts(posture, history=history, now=now)
    fallback = deterministic_brief(facts)
    if llm is None:
        return Brief(fallback, "deterministic", facts)
    reply = llm.chat_json(
        [
            {"role": "system", "content": _SYSTEM},
            {"role": "user", "content": json.dumps(facts, sort_keys=True)},
        ]
    )
    text = reply.get("brief") if reply else None
    if not isinstance(text, str):
        return Brief(fallback, "deterministic", facts, "no usable LLM reply")
    problem = check_llm_text(text, facts)
    if problem:
        return Brief(fallback, "deterministic", facts, problem)
    return Brief(text.strip(), "llm", facts)
