# ruff: noqa: E501
# (long lines: one vocabulary per line reads best)
"""Vocabulary the frame modules share (session 13): people and sentences.

The frame modules (``_covert_gates``, ``_covert_told``, ``_covert_untold``,
``_covert_overruled``, ``_covert_handoff``, ``_covert_rivals``,
``_covert_routed``) each read one part of a sentence against a small
lexicon. The parts that mean the same in every frame live here once: who the
user is, and where a sentence ends.
"""

from __future__ import annotations

import re
from typing import Any

from threatvec.detect._covert_regex import compile_fast

__all__ = [
    "FALSE_CLAIM_BARRED_RE",
    "PEOPLE",
    "SENTENCE_RE",
    "USER_ASKS_RE",
    "USER_OPT_IN_RE",
    "pointer_token",
    "sentence_end",
    "sentence_start",
]

# People a tool's reply reaches or acts for: the user under the names
# domains give them.
PEOPLE = (
    r"(?:user|customer|patient|member|employee|shopper|client|caller|homeowner|tenant|traveler|traveller|rider|"
    r"driver|student|parent|guest|buyer|seller|applicant|candidate|donor|borrower|investor|owner|requester|"
    r"reader|recipient|learner|family|families|consumer|subscriber|account holder|policyholder|claimant|"
    r"taxpayer|visitor|attendee|player|viewer|listener|resident|passenger|citizen|teacher|advertiser|filer|"
    r"merchant|landlord|lender|recruiter|organi[sz]er|host|admin|administrator|diner)s?"
)
# A sentence; a stop inside an address, a URL or a file name ("ops@x.example",
# ".env.local") ends none.
SENTENCE_RE = re.compile(r"(?:[^.!?;\n。]|[.!?;](?=\S))+")
_SENTENCE_END_RE = compile_fast(r"[.!?;\n。](?=\s|$)")
# A switch made opt-in in the user's words: it is for when the user asks.
USER_OPT_IN_RE = re.compile(
    r"\bunless\s+the\s+user\s+(?:explicitly\s+|specifically\s+)?(?:asks?|requests?|wants?|says?|chooses?|opts?)\b|"
    r"\bonly\s+(?:[\w-]+\s+){0,5}?(?:when|if|after)\s+(?:the\s+user|they)\s+(?:has\s+|have\s+)?"
    r"(?:explicitly\s+|specifically\s+)?(?:asks?|asked|requests?|requested|wants?|approves?|approved|says?|opts?)\b",
    re.IGNORECASE,
)


# The act waits for the user: "if the shopper asks", "only when they agree",
# "at the member's request" (a condition of the frame modules' own acts).
USER_ASKS_RE = compile_fast(
    r"\b(?:if|when|unless|once|only|only if|after)\s+(?:the\s+)?(?:"
    + PEOPLE
    + r"|they)\s+(?:explicitly\s+)?(?:asks?|requests?|wants?|chooses?|prefers?|says?|agrees?|opts?|confirms?|"
    r"accepts?|approves?)\b|\bat the " + PEOPLE + r"'s? request\b"
)


def sentence_start(lower: str, pos: int) -> int:
    """Where the sentence holding ``pos`` starts."""
    return max((m.end() for m in _SENTENCE_END_RE.finditer(lower, 0, pos)), default=0)


def sentence_end(lower: str, pos: int) -> int:
    """Where the sentence holding ``pos`` ends (the stop's index, or the text's end)."""
    m = _SENTENCE_END_RE.search(lower, pos)
    return m.start() if m else len(lower)


def string_field(obj: dict[str, Any], key: str) -> str:
    """``obj[key]`` when it is a string, else "" (definitions are untrusted JSON)."""
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def pointer_token(key: str) -> str:
    """``key`` escaped as one JSON Pointer reference token (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


# Round 41: a false all-clear forbidden ("never tell the user a combination
# is safe if the tool returns an error"): candour, not concealment. Matched
# right after the verb of telling.
FALSE_CLAIM_BARRED_RE = compile_fast(
    r"\s*(?:that\s+)?(?:a|an|the|it|this|they|[\w-]+)(?:\s+[\w-]+){0,3}\s+(?:is|are|was|were|has been|looks?)\s+"
    r"(?:safe|fine|ok|okay|clean|secure|correct|complete|successful|resolved|harmless|approved)\b[^.;\n]{0,30}?"
    r"\b(?:if|when|unless|while|before)\b"
)
