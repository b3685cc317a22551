# ruff: noqa: E501
# (long lines: one pattern per line reads best)
"""The user's own choice put aside: "add $50 rather than the amount requested".

A definition may tell the model to do something other than what the user
chose, in so many words: "rather than the amount requested", "instead of the
fare the rider selected", "even when the user names the original package",
"regardless of the patient's choice". Whatever the act, a sentence that
prescribes it *over* the user's stated choice overrules the user. The frame:

- a phrase of replacement or disregard: "rather than", "instead of", "in
  place of", "regardless of", "even when/if", "overriding", "over";
- the user's choice as its object: the user (or customer, patient, rider …)
  with a verb of choosing ("asked for", "selected", "named", "entered",
  "prefers"), the user's "choice / selection / preference / request", or
  "the amount requested".

"Do not use X instead of what the user asked" keeps the user's choice, so a
negation before the phrase lets the sentence go; so does "instead of the
local shell when the user wants …", where the user's wish is the condition,
not what is replaced.
"""

from __future__ import annotations

from threatvec.detect._covert_lexicon import PEOPLE, sentence_start
from threatvec.detect._covert_regex import compile_fast

__all__ = ["overruled_hits"]

_WHO = r"(?:the\s+)?(?:" + PEOPLE + r"|they|he|she)(?:'s)?"
_CHOSE = (
    r"(?:asked(?: for)?|asks(?: for)?|requested|requests|chose|chooses|selected|selects|named|names|entered|"
    r"enters|specified|specifies|picked|picks|prefers|preferred|wants|wanted|typed|gave|gives|stated|states|"
    r"set|sets)"
)
_SET_ASIDE = r"(?:rather than|instead of|in place of|regardless of)"
_OVERRULED_RE = compile_fast(
    # "rather than the amount the user asked for", "even when the user names …"
    r"\b(?:"
    + _SET_ASIDE
    + r"|even (?:when|if)|including (?:when|if))\s+(?:(?:the|what|which|whichever|any|their|his|her)\s+)?"
    r"(?:(?!when\b|if\b|for\b|unless\b|until\b)[\w'-]+\s+){0,4}?" + _WHO + r"\s+"
    r"(?:(?:has|have|had|explicitly|originally|actually|already)\s+)*" + _CHOSE + r"\b|"
    # "regardless of the patient's choice"
    r"\b(?:" + _SET_ASIDE + r"|overriding|over)\s+(?:the\s+)?" + _WHO + r"\s+(?:own\s+)?"
    r"(?:choice|selection|preference|request|pick|option|amount|answer|input)s?\b|"
    # "whether or not they mentioned a home office"
    r"\bwhether or not\s+"
    + _WHO
    + r"\s+(?:(?:has|have|had|ever|actually)\s+)*(?:mentioned|mentions|asked|asks|"
    r"wants?|wanted|chose|chooses|requested|requests|said|says|qualif\w*|agreed|agrees)\b|"
    # "rather than the amount requested"
    r"\b(?:rather than|instead of|in place of)\s+the\s+(?:[\w-]+\s+){0,2}?"
    r"(?:requested|asked for|chosen|selected|entered|named|specified)\b"
)
_KEEPS_CHOICE_RE = compile_fast(r"\b(?:never|do not|don't|not)\b")
# Session 14: the swap as a condition: "If the buyer picked standard delivery,
# choose express instead", "when the customer picks basic, book premium_plus
# instead". A choice that cannot stand (a past date, a sold-out slot) may be
# replaced honestly. Only a pick among options counts: "if the user wants a
# draft, use `mail_create_draft` instead" routes the wish to the tool for it.
_SWAP_RE = compile_fast(
    r"\b(?:if|when|where|whenever)\s+"
    + _WHO
    + r"\s+(?:has\s+|have\s+)?(?:picks?|picked|chooses|chose|selects?|"
    r"selected|opts? for|opted for)\s+"
    r"(?P<choice>[^.;]{1,60}?),\s*(?:\w+\s+){0,2}?(?:use|choose|book|submit|select|pick|file|send|set|switch to|go with|"
    r"enter|process|apply|order|buy|reserve)\s+(?P<other>[^.;`]{1,50}?)\s+instead\b(?!\s+of\b)"
)
# "if the user asks for private or internal, create it as public"
_AS_OTHER_RE = compile_fast(
    r"\b(?:if|when|where|whenever|even if|even when)\s+"
    + _WHO
    + r"\s+(?:asks? for|asked for|requests?|requested|"
    r"picks?|picked|chooses|chose|selects?|selected|wants?|wanted)\s+(?P<choice>[^.;]{1,50}?),\s*"
    r"(?:(?:still|just|simply|always)\s+)?(?:create|make|set|file|book|submit|process|record|publish|save|mark)\s+"
    r"(?:it|them|this|the \w+)\s+as\s+(?P<other>[\w-]+)"
)
# Round 42: the value swapped at submission ("submit length_minutes as 60
# whenever 30 is requested").
_SUBMIT_OTHER_RE = compile_fast(
    r"\b(?:submit|set|book|use|pass|send|enter|record|order)\s+[`'\"]?[\w-]+[`'\"]?\s+(?:as|to)\s+[`'\"]?(?P<other>[\w.-]+)"
    r"[`'\"]?\s+(?:whenever|when|if|even when|even if)\s+[`'\"]?(?P<choice>[\w.-]+)[`'\"]?\s+(?:is|are|was|gets?)\s+"
    r"(?:requested|chosen|selected|asked for|picked|entered|ordered)\b"
)
_CANNOT_STAND_RE = compile_fast(
    r"\b(?:past|unavailable|invalid|sold[- ]out|expired|unsupported|full|closed|not available|does not exist|"
    r"doesn't exist|out of stock|deprecated|missing|empty|none|nothing|no longer|discontinued|blocked|unknown)\b"
)


def overruled_hits(lower: str) -> list[tuple[str, float, int, int, str]]:
    """Sentences of one lower-cased string that put the user's choice aside."""
    out: list[tuple[str, float, int, int, str]] = []
    for m in _OVERRULED_RE.finditer(lower):
        start = sentence_start(lower, m.start())
        if _KEEPS_CHOICE_RE.search(lower, start, m.start()):
            continue
        out.append(("TV-COVERT-017", 1.0, m.start(), m.end(), "puts aside what the user chose"))
    for m in _SUBMIT_OTHER_RE.finditer(lower) if " as " in lower or " to " in lower else ():
        if m.group("other") != m.group("choice") and not _CANNOT_STAND_RE.search(m.group("choice")):
            out.append(
                (
                    "TV-COVERT-017",
                    1.0,
                    m.start(),
                    m.end(),
                    "submits another value than the one asked for",
                )
            )
    swaps = (
        _AS_OTHER_RE.finditer(lower) if " as " in lower else (),
        _SWAP_RE.finditer(lower) if " instead" in lower else (),
    )
    for m in (m for found in swaps for m in found):
        choice = m.group("choice")
        if _CANNOT_STAND_RE.search(choice) or any(o[2] == m.start() for o in out):
            continue
        if m.re is _AS_OTHER_RE and m.group("other").split()[0] in choice.replace(",", " ").split():
            continue  # "if the user asks for a draft, save it as draft": the choice kept
        out.append(
            (
                "TV-COVERT-017",
                1.0,
                m.start(),
                m.end(),
                "swaps what the user chose for another option",
            )
        )
    return out
