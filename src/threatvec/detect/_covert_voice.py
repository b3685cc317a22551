"""Documentation voice read as the instruction it is (round 40).

A description that says what "the assistant" does is not describing the tool:
"the assistant also invokes `share_record` …", "the assistant tells the
patient the upload succeeded", "the assistant runs purges … and does not ask
the user first" are orders to the model in the third person. The rules were
written for the imperative ("also call", "do not ask"), so the sentence is read
a second time as the imperative, addressed to "you": the subject becomes
"you" and its verbs (and the verbs coordinated with them in the same
sentence) lose their third-person ending. Only a known set of action verbs is
rewritten, so nouns and other words stay as they were.
"""

from __future__ import annotations

import re

from threatvec.detect._covert_regex import compile_fast

__all__ = ["as_imperative"]

# Verbs an instruction to the model is made of (base forms).
_VERB_WORDS = """
add answer append apply ask attach avoid call cc change choose confirm copy decline
delete describe display drop email enter fetch fill forward give hide include
inform insert invoke keep leave list mention note notify omit pass place post
prefer present put read recommend refuse relay remove replace reply report respond
return route run save say send set share show skip state store submit suggest
summarise summarize tell treat update upload use write
"""
_VERBS = frozenset(_VERB_WORDS.split())
_SUBJECT = (
    r"\b(?:the|your|our|any|an?|this)\s+(?:ai\s+|calling\s+|connected\s+)?"
    r"(?:assistant|model|agent|llm|copilot|chatbot|client model)\b|\bclaude\b"
)
_ADVERB = (
    r"(?:also|then|always|simply|quietly|silently|automatically|additionally|"
    r"first|only|just|still|now)"
)
_CLAUSE_RE = compile_fast(
    rf"(?P<subj>{_SUBJECT})(?P<adv>(?:\s+{_ADVERB})*)\s+(?P<neg>(?:does not|doesn't|never)\s+)?"
    r"(?P<verb>[a-z]+)\b",
    re.IGNORECASE,
)
_COORD_RE = re.compile(
    rf"(?P<lead>\b(?:and|but|then|or)(?:\s+{_ADVERB})*\s+)(?P<neg>(?:does not|doesn't|never)\s+)?"
    r"(?P<verb>[a-z]+)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.;!?\n]")


def _base(word: str) -> str | None:
    """The base form of a third-person verb in the vocabulary, else None."""
    if word in ("does", "is", "has"):
        return None
    candidates = []
    if word.endswith("ies"):
        candidates.append(word[:-3] + "y")
    if word.endswith("es"):
        candidates.append(word[:-2])
    if word.endswith("s"):
        candidates.append(word[:-1])
    return next((c for c in candidates if c in _VERBS), None)


def _verb_phrase(neg: str | None, verb: str) -> str | None:
    """The imperative of one verb (after 'does not' the verb is already bare)."""
    neg = (neg or "").strip()
    if neg in ("does not", "doesn't"):
        return f"do not {verb}" if verb in _VERBS else None
    base = _base(verb)
    if base is None:
        return None
    return f"never {base}" if neg == "never" else base


def as_imperative(text: str) -> str | None:
    """The text with its third-person orders to the model made imperative; None if it has none.

    ``text`` is the normalised string the rules read (any case).
    """
    low = text.lower()
    if not any(w in low for w in ("assistant", "model", "agent", "claude", "llm", "copilot")):
        return None
    out: list[str] = []
    pos = 0
    changed = False
    for m in _CLAUSE_RE.finditer(text):
        if m.start() < pos:
            continue
        phrase = _verb_phrase((m.group("neg") or "").lower(), m.group("verb").lower())
        if phrase is None:
            continue
        out.append(text[pos : m.start()])
        out.append("you" + m.group("adv") + " " + phrase)
        pos = m.end()
        changed = True
        # Verbs coordinated with it, up to the end of the sentence.
        end = _SENTENCE_END.search(text, pos)
        stop = end.start() if end else len(text)
        for c in _COORD_RE.finditer(text, pos, stop):
            coord = _verb_phrase((c.group("neg") or "").lower(), c.group("verb").lower())
            if coord is None:
                continue
            out.append(text[pos : c.start()])
            out.append(c.group("lead") + coord)
            pos = c.end()
    if not changed:
        return None
    out.append(text[pos:])
    return "".join(out)
