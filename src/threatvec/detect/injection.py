"""Prompt-injection markers in arbitrary text (user input, tool output, model output).

The SDK calls ``find_injection_markers`` on what flows through an agent and
reports the marker ids with its signals. It shares the normalisation and the
rule table of the covert-instruction detector (``_covert_rules``): one place
per rule, and the same evidence weighing, so a lone "you must" or a mention of
``.env`` is not a marker while "ignore previous instructions", a fake
``<|im_start|>`` turn or hidden tag characters are.

Standard library only.
"""

from __future__ import annotations

from threatvec.detect._covert_rules import RULES
from threatvec.detect.covert import THRESHOLD, assess_text

__all__ = ["INJECTION_MARKERS", "MARKER_MIN_WEIGHT", "MAX_TEXT_CHARS", "find_injection_markers"]

# Every marker id this function can return, in rule order (stable names).
INJECTION_MARKERS: tuple[str, ...] = tuple(r.marker for r in RULES.values() if r.injection)
# A marker is reported when its own evidence is at least this strong, or when
# the text as a whole crosses the covert detector's threshold.
MARKER_MIN_WEIGHT = 0.5
# Texts longer than this are scanned in their first MAX_TEXT_CHARS characters
# and their last MAX_TEXT_CHARS characters (injections hide at either end).
MAX_TEXT_CHARS = 200_000


def find_injection_markers(text: str) -> list[str]:
    """Sorted, unique marker ids found in ``text`` (empty list when clean)."""
    if not isinstance(text, str) or not text:
        return []
    if len(text) > 2 * MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS] + "\n" + text[-MAX_TEXT_CHARS:]
    result = assess_text(text)
    markers: set[str] = set()
    for f in result.findings:
        rule = RULES[f.rule_id]
        if rule.injection and (f.weight >= MARKER_MIN_WEIGHT or result.score >= THRESHOLD):
            markers.add(rule.marker)
    return sorted(markers)
