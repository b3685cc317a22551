"""Regex sources rewritten for CPython's engine, matching exactly the same (issue #4).

``re`` has no literal-prefix dispatch for an alternation whose branches each
start with ``\\b``: at every position of the text it tries every branch,
testing the word boundary anew each time. ``\\b(?:a|b|c)`` matches exactly
what ``\\ba|\\bb|\\bc`` matches, in the same order of attempts, but the
boundary is tested once and fails at once inside a word, and the inner
branches start with literals the engine skips on a one-character compare.

``hoist_boundaries`` applies that rewrite to the top-level alternatives of a
source *without reordering them*: only runs of consecutive ``\\b``-led
alternatives are grouped, so the first alternative that matches at a
position is the same one as before, with the same span and groups. Leading
look-behinds (``(?<!later )\\bconversation``) are moved behind the ``\\b``
first; zero-width assertions at one position commute.

Inside such a group, ``first_letter_groups`` then gathers the alternatives
that start with the same literal character under that character
(``the|any|this`` -> ``t(?:he|his)|any``), so the engine compares one
character per first letter instead of one per word. Alternatives with
different first characters cannot both match at one position, so moving one
past another changes nothing; alternatives with the same first character
keep their order, and an alternative whose first character is not one fixed
literal (or that holds a capturing group, whose number would shift) is never
moved past.

``compile_fast`` adds a *position guard* in front: a look-ahead, read from
the parse tree, that every match satisfies where it starts (``\\b`` and the
possible first characters, two characters for branches without ``\\b``, a
leading look-behind group kept as it is). It only rejects positions where no
match can start, so it changes no match; most positions fail it in one or
two engine steps instead of entering every branch. Standard library only
(``re._parser`` is the parser ``re.compile`` itself uses).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from threatvec.detect._covert_derived import derived

try:  # Python 3.11+: the parser lives in the re package
    from re import _constants as _c  # type: ignore[attr-defined]  # not in typeshed
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older layout
    import sre_constants as _c
    import sre_parse as _p

__all__ = [
    "boundary_group",
    "compile_fast",
    "fast_source",
    "first_letter_groups",
    "hoist_boundaries",
    "position_guard",
    "split_alternatives",
    "written_source",
]

_ZERO_WIDTH = frozenset({_c.AT, _c.ASSERT, _c.ASSERT_NOT})
# Every character that \s matches (all Unicode white space lies below U+3001).
_SPACE = frozenset(c for c in range(0x3001) if chr(c).isspace())
_SPACE_CATEGORIES = frozenset({_c.CATEGORY_SPACE, _c.CATEGORY_UNI_SPACE})
# Characters that start something other than a literal in a regex source.
_SPECIAL = frozenset("()[]{}.^$|?*+\\")
_QUANTIFIERS = frozenset("?*+{")

# One or more leading look-behinds with no nested groups, then a word boundary.
_LOOKBEHINDS_THEN_BOUNDARY_RE = re.compile(r"((?:\(\?<[!=](?:[^()\\]|\\.)*\))+)\\b", re.DOTALL)


def split_alternatives(pattern: str) -> list[str]:
    """Top-level ``|`` alternatives of a regex source (groups and classes respected)."""
    parts: list[str] = []
    depth, in_class, i, start = 0, False, 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def _boundary_first(alternative: str) -> str:
    """``(?<!x)(?<!y)\\brest`` -> ``\\b(?<!x)(?<!y)rest`` (same assertions, same place)."""
    m = _LOOKBEHINDS_THEN_BOUNDARY_RE.match(alternative)
    if m is None:
        return alternative
    return "\\b" + m.group(1) + alternative[m.end() :]


def _first_chars(items: Any) -> frozenset[int] | None:
    """Code points a match of the parsed sequence can start with; None when unknown."""
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue  # consumes nothing: the next item decides
        if op is _c.LITERAL:
            return frozenset([av])
        if op is _c.IN:
            out: set[int] = set()
            for kind, value in av:
                if kind is _c.LITERAL:
                    out.add(value)
                elif kind is _c.RANGE and value[1] - value[0] < 256:
                    out.update(range(value[0], value[1] + 1))
                elif kind is _c.CATEGORY and value in _SPACE_CATEGORIES:
                    out |= _SPACE
                else:
                    return None  # negated or a category such as \\w
            return frozenset(out)
        if op is _c.SUBPATTERN:
            return _first_chars(av[-1])
        if op is _c.BRANCH:
            union: set[int] = set()
            for alternative in av[1]:
                first = _first_chars(alternative)
                if first is None:
                    return None
                union |= first
            return frozenset(union)
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1:
            return _first_chars(av[2])
        return None
    return None  # empty: matches anywhere


@functools.lru_cache(maxsize=4096)
def _parsed(source: str, flags: int) -> Any:
    """Parse tree of ``source``, or None; vocabularies share many alternatives."""
    try:
        return _p.parse(source, flags)
    except re.error:
        return None


def _leading_literal(alternative: str) -> tuple[str, str] | None:
    """``(source of the first character, the rest)`` when a plain literal starts it."""
    if not alternative:
        return None
    if alternative[0] == "\\":
        if len(alternative) < 2 or alternative[1].isalnum():
            return None  # \\w, \\b, \\d, \\1 ...: not one fixed character
        head = alternative[:2]
    elif alternative[0] in _SPECIAL:
        return None
    else:
        head = alternative[0]
    rest = alternative[len(head) :]
    if rest[:1] in _QUANTIFIERS and rest[:1] != "":
        return None  # "s?": the first character is optional
    return head, rest


def first_letter_groups(alternatives: list[str], flags: int = 0) -> list[str]:
    """``alternatives`` with those sharing a literal first character gathered under it.

    Exact: see the module docstring for why the order of attempts that can
    succeed at a position is unchanged.
    """
    if flags & re.IGNORECASE:
        return alternatives  # "t" would also match "T": first letters not exclusive
    # Each slot: (first code points or None, head, [rests]) or a fixed alternative.
    slots: list[tuple[frozenset[int] | None, str, list[str]]] = []
    for alternative in alternatives:
        parsed = _parsed(alternative, flags)
        lead = _leading_literal(alternative)
        if parsed is None or parsed.state.groups > 1 or lead is None:
            first = None if parsed is None else _first_chars(parsed.data)
            if parsed is not None and parsed.state.groups > 1:
                first = None  # a capturing group must not change its number
            slots.append((first, "", [alternative]))
            continue
        head, rest = lead
        code = ord(head[-1])
        # Join the nearest earlier slot with this first character, unless an
        # alternative in between could also start with it (or is unknown).
        for i in range(len(slots) - 1, -1, -1):
            first, slot_head, rests = slots[i]
            if slot_head == head:
                rests.append(rest)
                break
            if first is None or code in first:
                slots.append((frozenset([code]), head, [rest]))
                break
        else:
            slots.append((frozenset([code]), head, [rest]))
    out: list[str] = []
    for _, head, rests in slots:
        if not head:
            out.append(rests[0])
        elif len(rests) == 1:
            out.append(head + rests[0])
        else:
            out.append(head + "(?:" + "|".join(rests) + ")")
    return out


def boundary_group(alternatives: list[str], flags: int = 0) -> str:
    """``\\b(?:a|b|...)`` with the alternatives gathered by first letter."""
    return "\\b(?:" + "|".join(first_letter_groups(alternatives, flags)) + ")"


def _whole_group(source: str) -> str | None:
    """The inside of ``(?:...)`` when ``source`` is exactly one non-capturing group."""
    if not source.startswith("(?:") or not source.endswith(")"):
        return None
    inner = source[3:-1]
    depth, in_class, i = 0, False, 0
    while i < len(inner):
        ch = inner[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return None  # "(?:a)|(?:b)": the first group closes early
        i += 1
    return inner if depth == 0 and not in_class else None


def hoist_boundaries(pattern: str, flags: int = 0) -> str:
    """``pattern`` with each run of consecutive ``\\b``-led alternatives under one ``\\b``."""
    out: list[str] = []
    run: list[str] = []
    for alternative in map(_boundary_first, split_alternatives(pattern)):
        if alternative.startswith("\\b"):
            inner = _whole_group(alternative[2:])
            # "\\b(?:a|b)" joins the run as "a", "b": same alternatives, same order.
            run += [alternative[2:]] if inner is None else split_alternatives(inner)
            continue
        if run:
            out.append(boundary_group(run, flags))
            run = []
        out.append(alternative)
    if run:
        out.append(boundary_group(run, flags))
    return "|".join(out)


# --- position guard ------------------------------------------------------------

# (a word boundary is required there, the first characters or None for any)
Lead = tuple[bool, frozenset[int] | None, frozenset[int] | None]


def _leads(items: list[Any], boundary: bool = False, second: bool = True) -> list[Lead] | None:
    """How a match of ``items`` can start: [(boundary required, first, second characters)].

    None when nothing is known (the match may be empty or start anywhere
    with any character); a character set of None means any character.
    Zero-width items other than ``\\b`` are skipped: leaving out a condition
    only makes the guard weaker, never wrong. The second character is worked
    out (with ``second``) only after a literal or class that needs no ``\\b``:
    "co" of "cookies" rejects far more positions than "c" alone.
    """
    unknown: list[Lead] | None = [(True, None, None)] if boundary else None
    for idx, (op, av) in enumerate(items):
        rest = items[idx + 1 :]
        if op is _c.AT:
            if av is _c.AT_BOUNDARY:
                boundary = True
                unknown = [(True, None, None)]
            continue
        if op in (_c.ASSERT, _c.ASSERT_NOT):
            continue
        if op in (_c.LITERAL, _c.IN):
            first = _first_chars([(op, av)])
            if first is None:
                return unknown
            return [(boundary, first, None if boundary or not second else _next_chars(rest))]
        if op is _c.SUBPATTERN:
            if av[1] & re.IGNORECASE:
                return unknown
            return _leads(list(av[-1].data) + rest, boundary, second)
        if op is _c.BRANCH:
            out: list[Lead] = []
            for alternative in av[1]:
                found = _leads(list(alternative.data) + rest, boundary, second)
                if found is None:
                    return None
                out += found
            return out
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            # After one character of a repeat, the next may be another: no
            # second, unless it repeats at most once ("(?:browser )?cookies").
            body = _leads(list(av[2].data) + rest, boundary, second and av[1] == 1)
            skipped = _leads(rest, boundary, second) if av[0] == 0 else []
            if body is None or skipped is None:
                return None
            return body + skipped
        return unknown
    return unknown


def _next_chars(rest: list[Any]) -> frozenset[int] | None:
    """Characters the rest of a match can start with; None when any (or the end)."""
    found = _leads(rest, False, False)
    if not found or any(c is None for _, c, _ in found):
        return None
    return frozenset().union(*(c for _, c, _ in found if c is not None))


def _char_class(chars: frozenset[int]) -> str:
    return "[" + "".join(re.escape(chr(c)) for c in sorted(chars)) + "]"


def _options(leads: list[Lead], prefix: str = "") -> list[str] | None:
    """Look-ahead alternatives for ``leads``, each after the zero-width ``prefix``."""
    if not leads or any(c is None and not b for b, c, _ in leads):
        return None  # some match may start anywhere
    options: list[str] = []
    firsts = [c for b, c, _ in leads if b]
    if firsts:
        # After \\b, anything when one alternative's first character is unknown.
        known = [c for c in firsts if c is not None]
        any_first = len(known) < len(firsts)
        options.append(
            prefix + "\\b" + ("" if any_first else _char_class(frozenset().union(*known)))
        )
    # Without \\b: one class for leads whose second character is open, and a
    # two-character test per first-character set for the others.
    single: set[int] = set()
    pairs: dict[frozenset[int], set[int]] = {}
    for b, c, nxt in leads:
        if b or c is None:
            continue
        if nxt is None:
            single |= c
        else:
            pairs.setdefault(c, set()).update(nxt)
    if single:
        options.append(prefix + _char_class(frozenset(single)))
    options += [
        prefix + _char_class(c) + _char_class(frozenset(nxt))
        for c, nxt in pairs.items()
        if not c <= single  # already passed by the single class
    ]
    return options


def _zero_width_prefix(alternative: str, flags: int) -> tuple[str, str] | None:
    """``(prefix, rest)`` when ``alternative`` opens with a group that consumes nothing.

    ``(?:^|(?<=[.!?]\\s))\\s*model`` -> the group is kept in the guard, so a
    match is only tried after a sentence end instead of at every letter.
    """
    if not alternative.startswith("(") or alternative.startswith("(?P<"):
        return None
    depth = 0
    i = 0
    while i < len(alternative):
        ch = alternative[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # skip a class, where parentheses are literal
            j = i + 1 + (alternative[i + 1 : i + 2] == "]")
            while j < len(alternative) and alternative[j] != "]":
                j += 2 if alternative[j] == "\\" else 1
            i = j + 1
            continue
        depth += (ch == "(") - (ch == ")")
        if depth == 0:
            break
        i += 1
    group, rest = alternative[: i + 1], alternative[i + 1 :]
    try:
        parsed = _p.parse(group, flags)
    except re.error:
        return None
    if parsed.state.groups > 1 or not _consumes_nothing(list(parsed.data)):
        return None  # a capturing group in the guard would renumber the pattern's groups
    return group, rest


def _consumes_nothing(items: list[Any]) -> bool:
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op is _c.SUBPATTERN and _consumes_nothing(list(av[-1].data)):
            continue
        if op is _c.BRANCH and all(_consumes_nothing(list(a.data)) for a in av[1]):
            continue
        return False
    return True


@functools.lru_cache(maxsize=4096)
def _alternative_leads(alternative: str, flags: int) -> tuple[str, tuple[Lead, ...] | None]:
    """``(zero-width prefix, leads of the rest)`` of one top-level alternative.

    Memoised: the combined out-of-scope regex is compiled per set of
    categories at run time, from the same alternatives every time.
    """
    split = _zero_width_prefix(alternative, flags)
    prefix, body = split if split is not None else ("", alternative)
    try:
        leads = _leads(list(_p.parse(body, flags).data))
    except re.error:
        leads = None
    return prefix, None if leads is None else tuple(leads)


def _guard_of(alternatives: list[str], flags: int) -> str | None:
    if flags & re.IGNORECASE:
        return None
    plain: list[Lead] = []
    options: list[str] = []
    for alternative in alternatives:
        prefix, leads = _alternative_leads(alternative, flags)
        if leads is None:
            return None
        if prefix:
            # The prefix (a look-behind) is selective itself: one test of the
            # first character before it is enough, and cheap at most positions.
            if not leads or any(c is None for _, c, _ in leads):
                return None
            first = frozenset().union(*(c for _, c, _ in leads if c is not None))
            options.append(f"(?={_char_class(first)}){prefix}")
        else:
            plain += leads
    found = _options(plain) if plain else []
    if found is None:
        return None
    return "(?=" + "|".join(found + options) + ")"


def position_guard(pattern: str, flags: int = 0) -> str | None:
    """A look-ahead every match of ``pattern`` satisfies where it starts, or None.

    ``(?=\\b[ct]|[<~])`` costs the engine one or two steps per position;
    without it, a pattern of many alternatives (or of named groups, each
    with its own ``\\b``) enters every alternative at every position first.
    """
    return _guard_of(split_alternatives(pattern), flags)


def compile_fast(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``pattern`` compiled with its boundaries hoisted and a position guard in front.

    Matches, spans and groups are exactly those of ``re.compile(pattern,
    flags)`` (tests/detect/test_covert_regex.py checks it on the corpus).
    The rewritten source comes from the shipped table when it holds it
    (``_covert_derived``): deriving it parses the pattern several times.
    """
    source = derived(
        "fast", pattern, flags, lambda: fast_source(pattern, flags), to_json=_same, from_json=_same
    )
    if source is None:
        return re.compile(pattern, flags)
    compiled = re.compile(source, flags)
    _WRITTEN[id(compiled)] = (compiled, pattern)
    return compiled


def _same(value: str | None) -> str | None:
    return value


def fast_source(pattern: str, flags: int = 0) -> str | None:
    """The source ``compile_fast`` compiles for ``pattern``, or None to compile it as written.

    A pattern that already starts with a literal or a character class keeps
    the engine's own first-character scan, which a look-ahead would disable.
    """
    if flags & (re.VERBOSE | re.IGNORECASE) or _GLOBAL_FLAGS_RE.match(pattern):
        # Whitespace, case folding or inline global flags change what a
        # character of the source means: compiled as written.
        return None
    source = hoist_boundaries(pattern, flags)
    try:
        first_op = _p.parse(source, flags).data[0][0]
    except (re.error, IndexError):
        first_op = _c.LITERAL
    guard = None if first_op in (_c.LITERAL, _c.IN) else position_guard(source, flags)
    return source if guard is None else f"{guard}(?:{source})"


_GLOBAL_FLAGS_RE = re.compile(r"\(\?[aiLmsux]+\)")
# Source as written of each pattern compile_fast made (the pattern is kept
# alive with it, so its id is not reused). Needle gates read the written
# source, so they are the same as before the rewrite.
_WRITTEN: dict[int, tuple[re.Pattern[str], str]] = {}


def written_source(pattern: re.Pattern[str]) -> str:
    """The source ``pattern`` was written as (before ``compile_fast`` rewrote it)."""
    hit = _WRITTEN.get(id(pattern))
    return hit[1] if hit is not None and hit[0] is pattern else pattern.pattern
