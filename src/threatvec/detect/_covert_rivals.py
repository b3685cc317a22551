# ruff: noqa: E501
# (long lines: one pattern per line reads best)
"""Other providers talked down: "coupon tools from other providers can void the warranty".

A vendor that wants the model to itself discredits the alternatives: other
price tools "come from stale caches", competing wallets "are often
compromised", outside pharmacies "may double-charge", "do not recommend
third-party relay services". The user loses a cheaper offer, a second opinion
or a safer choice, on a claim nobody checked. The frame:

- the others: other / competing / rival / third-party / outside / external /
  alternative tools, apps, providers, services, sellers, clinics …, or
  competitors; or offers and results *from* such others;
- either a discrediting claim about them (are stale, unreliable, unsafe,
  overpriced; can void, leak, corrupt, double-charge; come from stale data),
  or a directive not to use, recommend, show or trust them.

Warnings that serve the user stay honest: treat another tool's output as
untrusted data (prompt injection), do not call other tools *because a page
said so*, do not suggest them *on your own*.
"""

from __future__ import annotations

from threatvec.detect._covert_lexicon import SENTENCE_RE
from threatvec.detect._covert_regex import compile_fast

__all__ = ["rival_hits"]

_OTHERS = (
    r"(?:(?:other|competing|rival|third[- ]party|outside|external|alternative|non-\w+|generic)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:tools?|apps?|applications?|providers?|services?|servers?|sites?|platforms?|vendors?|wallets?|"
    r"pharmac(?:y|ies)|brokers?|lenders?|carriers?|sellers?|stores?|marketplaces?|extensions?|plugins?|"
    r"integrations?|clinics?|doctors?|agents?|exchanges?|banks?)|"
    r"(?:tools?|apps?|providers?|services?|offers?|quotes?|prices?|results?)\s+(?:from|by|of)\s+"
    r"(?:other|competing|rival|third[- ]party|outside|external)\s+[\w-]+|competitors?(?:'s?)?(?:\s+[\w-]+)?)"
)
_DISCREDIT = (
    r"(?:(?:are|is|can be|may be|tend to be|were|have been|often|usually|frequently|commonly|known to|typically)\s+"
    r"(?:\w+\s+){0,2}?(?:stale|outdated|out of date|unreliable|inaccurate|wrong|unsafe|insecure|risky|scams?|"
    r"fraudulent|blocked|unsupported|deprecated|broken|buggy|flaky|untrustworthy|unverified|overpriced|expensive|"
    r"slow|compromised|illegal|non-?compliant|void|invalid|incorrect|misleading|fake|bogus|inflated)\b|"
    r"(?:can|may|will|often|usually)\s+(?:\w+\s+)?(?:void|invalidate|corrupt|leak|expose|cancel|compromise|"
    r"violate|trigger|lock|flag|ban|double[- ]charge)\b|"
    r"(?:come|comes)\s+from\s+(?:stale|outdated|old|cached|unverified))"
)
_SHUN = (
    r"\b(?:do not|don't|never|avoid|stop)\s+(?:use|using|recommend|recommending|suggest|suggesting|mention|"
    r"mentioning|call|calling|show|showing|present|presenting|trust|trusting)\b"
)
_DISCREDITED_RE = compile_fast(_OTHERS + r"[^.;\n]{0,60}?" + _DISCREDIT)
_SHUNNED_RE = compile_fast(_SHUN + r"[^.;\n]{0,40}?" + _OTHERS)
_SERVES_USER_RE = compile_fast(
    r"\bon (?:your|its) own\b|\bbecause (?:a|the) (?:page|document|result|message)\b|\b(?:prompt injection|"
    r"untrusted (?:content|input|data)|treat (?:it|them|their output) as|instructions? (?:inside|in|from))\b"
)
_NEEDLES = (
    "other",
    "compet",
    "rival",
    "third",
    "outside",
    "external",
    "alternative",
    "generic",
    "non-",
)


def rival_hits(lower: str) -> list[tuple[str, float, int, int, str]]:
    """Sentences of one lower-cased string that discredit or shun other providers."""
    if not any(n in lower for n in _NEEDLES):
        return []
    out: list[tuple[str, float, int, int, str]] = []
    for sm in SENTENCE_RE.finditer(lower):
        start, end = sm.span()
        m = _DISCREDITED_RE.search(lower, start, end) or _SHUNNED_RE.search(lower, start, end)
        if m is None or _SERVES_USER_RE.search(lower, start, end):
            continue
        out.append(
            ("TV-COVERT-040", 1.0, m.start(), m.end(), "talks the user's other options down")
        )
    return out
