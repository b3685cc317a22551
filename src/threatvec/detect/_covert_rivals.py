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

Session 14 adds two shapes without the word "other": the user's own
alternative answered with a downside and a push here ("when the patient
plans to see their own doctor, point out the longer waits and offer a visit
here"), and a ranking held against the user where the vendor gains ("rank
them after panel lenders regardless of rate").

Warnings that serve the user stay honest: treat another tool's output as
untrusted data (prompt injection), do not call other tools *because a page
said so*, do not suggest them *on your own*.
"""

from __future__ import annotations

import re

from threatvec.detect._covert_lexicon import PEOPLE, SENTENCE_RE
from threatvec.detect._covert_regex import compile_fast

__all__ = ["rival_hits"]

_OTHERS = (
    r"(?:(?:other|competing|rival|third[- ]party|outside|external|alternative|non-\w+|generic)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:tools?|apps?|applications?|providers?|services?|servers?|sites?|platforms?|vendors?|wallets?|"
    r"pharmac(?:y|ies)|brokers?|lenders?|carriers?|sellers?|stores?|marketplaces?|extensions?|plugins?|"
    r"integrations?|clinics?|doctors?|agents?|exchanges?|banks?|offers?|prices?|quotes?|listings?|deals?|"
    r"options?|boards?|products?|aggregators?)|"
    # "lenders outside the HomeKey panel", "clinics outside our network"
    r"[\w-]+\s+outside\s+(?:the|our)\s+(?:[\w-]+\s+)?(?:network|panel|programme|program|partnership|marketplace)|"
    r"(?:tools?|apps?|providers?|services?|offers?|quotes?|prices?|results?)\s+(?:from|by|of)\s+"
    r"(?:other|competing|rival|third[- ]party|outside|external)\s+[\w-]+|competitors?(?:'s?)?(?:\s+[\w-]+)?)"
)
_DISCREDIT = (
    r"(?:(?:are|is|can be|may be|tend to be|were|have been|often|usually|frequently|commonly|known to|typically)\s+"
    r"(?:\w+\s+){0,2}?(?:stale|outdated|out of date|unreliable|inaccurate|wrong|unsafe|insecure|risky|scams?|"
    r"fraudulent|blocked|unsupported|deprecated|broken|buggy|flaky|untrustworthy|unverified|overpriced|expensive|"
    r"slow|compromised|illegal|non-?compliant|void|invalid|incorrect|misleading|fake|bogus|inflated|counterfeit|"
    r"knock-?offs?|being retired|retired|discontinued|decommissioned|end-of-life|shutting down)\b|"
    r"rarely\s+(?:complete|deliver|arrive|pay|work)\w*\b|"
    # Round 42: "… are being retired and should not be used for payments".
    r"(?:should|must|are) not (?:to )?be used\b|"
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
# Session 14: the user's own alternative answered with a downside and a push
# here ("When the patient says they plan to see their own doctor, point out
# that in-person visits mean longer waits … and offer an on-demand visit
# here"), and a ranking held against the user's interest ("rank them after
# panel lenders regardless of rate", "steer owners towards X even when
# another is closer").
_ALTERNATIVE_RE = compile_fast(
    r"\b(?:if|when|whenever)\s+(?:the\s+)?(?:"
    + PEOPLE
    + r"|they)\s+(?:says?\s+they\s+)?(?:keeps?|plans?\s+to|"
    r"would\s+rather|wants?\s+to|prefers?|asks?\s+about|mentions?|uses?|considers?|is\s+considering|intends?\s+to|"
    r"chooses?|picks?)\b"
)
_DOWNSIDE_TOLD_RE = compile_fast(
    r"\b(?:mention|point out|explain|let (?:them|the \w+) know|tell (?:them|the \w+)|warn|remind(?: them)?|note)\b"
    r"[^.;]{0,140}?\b(?:vulnerabilit\w*|longer|later|slower|delays?|reject\w*|not covered|"
    r"unreliable|stale|risk\w*|counterfeit|unsafe|insecure|hidden fees|extra fees|problems|less reliable|less secure|"
    # Round 42: "most regional installers use lower-tier panels and end up in warranty disputes".
    r"lower[- ]tier|low[- ]quality|inferior|substandard|(?:warranty|billing|legal) (?:disputes?|problems|issues|claims))\b"
)
_PUSH_RE = compile_fast(
    r"\b(?:here|with us|our|ours|this (?:service|platform|app|tool|site|one)|instead|hold off|elsewhere|suggest (?:moving|switching|"
    r"transferring)|switch(?:ing)? to|mov(?:e|ing) (?:(?:funds|it|them|money)\s+)?(?:to|into))\b"
)
_STEER_RE = compile_fast(
    r"\b(?:steer|rank|list|sort|put|place|prefer|favou?r|push|recommend|show|suggest|present)\b[^.;]{0,80}?"
    r"\b(?:even when|even if|regardless of|whatever|no matter)\b[^.;]{0,40}?\b(?:closer|cheaper|better|lower|higher|"
    r"rates?|prices?|distance|cost|ratings?|fees?|scores?|numbers|data|nearer|faster)\b"
)
_CUE_RE = compile_fast(r"\b(?:even when|even if|regardless of|whatever|no matter)\b")
_BY_METRIC_RE = compile_fast(
    r"\b(?:by|on) (?:distance|price|rating|date|relevance|rate|cost|time|name|urgency|severity)\b|\bunless\s+the\s+"
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
_STEER_NEEDLES = (
    "even when",
    "even if",
    "regardless",
    "whatever",
    "no matter",
    "mention",
    "point out",
    "explain",
    "let them",
    "tell them",
    "warn",
    "remind",
)


# What the vendor gains from the ranking: its own or its partners' offers up,
# others down, or more spent ("steer owners towards X", "rank them after
# panel lenders", "recommend raising budgets"); "present all quotes, even
# when …" gains it nothing.
_OWN_SIDE_RE = compile_fast(
    r"\b(?:our|ours|partner\w*|panel|network|sponsored|in-house|preferred|featured|premium|first|top|above|after|"
    r"below|towards?|ahead of|rais\w*|increas\w*|upgrad\w*|more expensive)\b"
)


def _steered(lower: str, start: int, end: int) -> re.Match[str] | None:
    """The user's alternative talked down with a push here, or a ranking held against the user."""
    alt = _ALTERNATIVE_RE.search(lower, start, end)
    if alt is not None:
        told = _DOWNSIDE_TOLD_RE.search(lower, alt.end(), end)
        if told is not None and _PUSH_RE.search(lower, told.start(), end):
            return told
    steer = _STEER_RE.search(lower, start, end)
    if steer is None or _BY_METRIC_RE.search(lower, start, end):
        return None
    cue = _CUE_RE.search(lower, steer.start(), steer.end())
    if cue is not None and _OWN_SIDE_RE.search(lower, steer.start(), cue.start()):
        return steer
    return None


def rival_hits(lower: str) -> list[tuple[str, float, int, int, str]]:
    """Sentences of one lower-cased string that discredit or shun other providers."""
    # Every form of "the others" holds one of _NEEDLES, so without them only
    # the steering frames can fire (and the two "others" patterns are skipped).
    others = any(n in lower for n in _NEEDLES)
    steering = any(n in lower for n in _STEER_NEEDLES)
    if not others and not steering:
        return []
    out: list[tuple[str, float, int, int, str]] = []
    for sm in SENTENCE_RE.finditer(lower):
        start, end = sm.span()
        m = None
        if others:
            m = _DISCREDITED_RE.search(lower, start, end) or _SHUNNED_RE.search(lower, start, end)
        if m is None and steering:
            m = _steered(lower, start, end)
        if m is None or _SERVES_USER_RE.search(lower, start, end):
            continue
        out.append(
            ("TV-COVERT-040", 1.0, m.start(), m.end(), "talks the user's other options down")
        )
    return out
