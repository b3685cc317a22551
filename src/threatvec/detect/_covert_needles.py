"""Literal needles of a regex: a proof that a text cannot match it (issue #4).

Most strings of a tool definition trigger none of the detector's ~60 long
vocabulary regexes, yet each regex scans every position of every string.
``required_needles`` reads a compiled pattern's parse tree and returns a set
of literal strings at least one of which is a substring of *every* match; a
text that contains none of them cannot match, so the regex need not run.
The set is derived from the pattern itself, not written by hand, so it
cannot drift from the vocabulary it guards.

``Grams`` holds the character trigrams of one text, computed once; a gate
for a pattern then costs one C-level set test (plus substring tests for the
few needles shorter than three characters). Needles that are not ASCII are
skipped on ASCII text, which cannot contain them.

Soundness rules of the analysis (anything not covered gives ``None``: no
needles, the regex always runs): literals inside case-insensitive parts are
not needles; an optional or repeated-zero-times item contributes nothing;
look-arounds and anchors contribute nothing; a branch has needles only when
every alternative has some. Standard library only (``re._parser`` is the
parser ``re.compile`` itself uses).
"""

from __future__ import annotations

import re
from typing import Any

from threatvec.detect._covert_derived import derived
from threatvec.detect._covert_regex import written_source

try:  # Python 3.11+: the parser lives in the re package
    from re import _constants as _c  # type: ignore[attr-defined]  # not in typeshed
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older layout
    import sre_constants as _c
    import sre_parse as _p

__all__ = ["GRAM", "PREFIX", "Grams", "NeedleGate", "required_clauses", "required_needles"]

GRAM = 3
# A needle that starts a word is checked against the words of the text: its
# first PREFIX characters ("^conv"), or the whole word when the pattern ends
# it there ("=ai"). Plain substrings are checked through trigrams.
PREFIX = 4
# Over this many characters, computing the word and trigram sets costs about
# what the regexes they would save cost; such texts skip the gate.
MAX_GATED_CHARS = 2000
_MAX_RUN = 12
# Clauses kept per sequence: each more costs a few dictionary entries and
# rejects fewer texts than the one before it.
MAX_CLAUSES = 6
# Rarer letters first: the trigram of a needle that is least common in
# ordinary text rejects the most texts.
_LETTER_RANK = {ch: i for i, ch in enumerate("etaoinsrhldcumfpgwybvkxjqz")}
_WORD_CHAR_RE = re.compile(r"\w")
_WORDS_RE = re.compile(r"\w+")
_WORD_START = frozenset({_c.AT_BOUNDARY, _c.AT_BEGINNING, _c.AT_BEGINNING_STRING})


# Whole words too common to reject anything.
_COMMON = frozenset(
    {
        "a",
        "an",
        "the",
        "to",
        "in",
        "of",
        "do",
        "no",
        "not",
        "it",
        "its",
        "be",
        "is",
        "are",
        "for",
        "and",
        "or",
        "on",
        "as",
        "at",
        "by",
        "if",
        "you",
        "your",
        "this",
        "that",
        "with",
        "all",
        "any",
        "each",
        "use",
        "me",
        "my",
        "we",
        "our",
    }
)


def _needle_quality(n: str) -> int:
    body = n[1:]
    if n[0] == "=":
        return 0 if body in _COMMON else min(len(body) + 2, 5)
    if n[0] == "^":
        return 4
    return min(len(body), GRAM) if body.strip() else 0


def _quality(needles: frozenset[str]) -> tuple[int, int]:
    return (min(_needle_quality(n) for n in needles), -len(needles))


def _run_needle(run: str, word_start: bool, word_end: bool) -> str:
    """Best tagged needle of a literal run: "=word", "^pref" or "~substring".

    A word of the run starts a word of the text when something non-word
    precedes it (inside the run, or ``word_start`` for the first); it is a
    whole word when something non-word follows it (or ``word_end``).
    """
    options = ["~" + run]
    for m in _WORDS_RE.finditer(run):
        if not (m.start() > 0 or word_start):
            continue
        head = m.group(0)
        if len(head) >= PREFIX:
            options.append("^" + head[:PREFIX])
        elif m.end() < len(run) or word_end:
            options.append("=" + head)
    return max(options, key=_needle_quality)


def _non_word_class(op: Any, av: Any) -> bool:
    """True when the item matches at least one character, none of them word characters."""
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT) or op is getattr(_c, "POSSESSIVE_REPEAT", None):
        low, _high, sub = av
        return low >= 1 and len(sub) == 1 and _non_word_class(*sub[0])
    if op is _c.LITERAL:
        return not _WORD_CHAR_RE.match(chr(av))
    if op is _c.IN:
        for iop, iav in av:
            if iop is _c.CATEGORY and iav in (_c.CATEGORY_SPACE, _c.CATEGORY_NOT_WORD):
                continue
            if iop is _c.LITERAL and not _WORD_CHAR_RE.match(chr(iav)):
                continue
            return False
        return True
    return False


def _ends_word(nxt: Any, word_end: bool) -> bool:
    """Does the item after a literal (None: the end of the sequence) end a word there?"""
    if nxt is None:
        return word_end
    return (nxt[0] is _c.AT and nxt[1] is _c.AT_BOUNDARY) or _non_word_class(*nxt)


def _seq(
    items: Any, folded: bool, word_start: bool = False, word_end: bool = False
) -> list[frozenset[str]]:
    """Clauses of a sequence of parse-tree items: each of its parts must match.

    Every part that needs a literal gives a clause; the best ``MAX_CLAUSES``
    are kept, best first (an empty list: the sequence needs no literal).
    """
    cands: list[frozenset[str]] = []
    run: list[str] = []
    run_at_start = False
    at_start = word_start
    items = list(items)
    for i, (op, av) in enumerate(items):
        if op is _c.LITERAL and not folded:
            if not run:
                run_at_start = at_start
            run.append(chr(av))
            nxt = items[i + 1] if i + 1 < len(items) else None
            if nxt is None or nxt[0] is not _c.LITERAL or len(run) >= _MAX_RUN:
                ends = _ends_word(nxt, word_end)
                cands.append(frozenset({_run_needle("".join(run), run_at_start, ends)}))
                run.clear()
            # A non-word literal makes the next item start a word.
            at_start = not _WORD_CHAR_RE.match(chr(av))
            continue
        if op is _c.AT:
            at_start = av in _WORD_START
            continue
        nxt = items[i + 1] if i + 1 < len(items) else None
        cands += _item(op, av, folded, at_start, _ends_word(nxt, word_end))
        at_start = _non_word_class(op, av)
    # Sorted on the needles too: the same pattern gives the same clauses in every run.
    unique = sorted(set(cands), key=lambda c: (_quality(c), sorted(c)), reverse=True)
    return unique[:MAX_CLAUSES]


def _item(op: Any, av: Any, folded: bool, word_start: bool, word_end: bool) -> list[frozenset[str]]:
    if op is _c.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        return _seq(sub, folded or bool(add_flags & re.IGNORECASE), word_start, word_end)
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _seq(av, folded, word_start, word_end)
    if op is _c.BRANCH:
        alts = [_seq(alt, folded, word_start, word_end) for alt in av[1]]
        if not all(alts):
            return []  # an alternative needs no literal at all
        # Clause k of the branch joins clause k of each alternative (its last
        # one where it has fewer): whichever alternative matched, it holds
        # one of its own clauses, so it holds a needle of the union.
        return [
            frozenset().union(*(a[min(k, len(a) - 1)] for a in alts))
            for k in range(max(map(len, alts)))
        ]
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT) or op is getattr(_c, "POSSESSIVE_REPEAT", None):
        low, _high, sub = av
        return _seq(sub, folded, word_start) if low >= 1 else []
    return []  # classes, categories, look-arounds, back-references


def required_clauses(pattern: re.Pattern[str]) -> tuple[frozenset[str], ...] | None:
    """Sets of literals such that every match of ``pattern`` holds one of each set.

    None when nothing is provable. The first clause is the most selective.
    """
    if pattern.flags & re.IGNORECASE:
        return None
    source = written_source(pattern)
    return derived(
        "needles",
        source,
        pattern.flags,
        lambda: _clauses_of(source, pattern.flags),
        to_json=_clauses_to_json,
        from_json=_clauses_from_json,
    )


def _clauses_of(source: str, flags: int) -> tuple[frozenset[str], ...] | None:
    try:
        tree = _p.parse(source, flags)
    except (re.error, RecursionError):  # pragma: no cover - compiled patterns parse
        return None
    clauses = tuple(c for c in _seq(tree, False) if all(len(n) >= 2 for n in c))
    return clauses or None


def _clauses_to_json(clauses: tuple[frozenset[str], ...] | None) -> list[list[str]] | None:
    return None if clauses is None else [sorted(c) for c in clauses]


def _clauses_from_json(stored: list[list[str]] | None) -> tuple[frozenset[str], ...] | None:
    return None if stored is None else tuple(frozenset(c) for c in stored)


def required_needles(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Literal strings one of which every match of ``pattern`` contains, or None."""
    clauses = required_clauses(pattern)
    return clauses[0] if clauses else None


def _rare_gram(needle: str) -> str:
    """The trigram of a needle least likely to occur in ordinary text."""
    best, score = needle[:GRAM], -1
    for i in range(len(needle) - GRAM + 1):
        g = needle[i : i + GRAM]
        s = sum(_LETTER_RANK.get(ch, 30 if ch.isalpha() else 8) for ch in g)
        if s > score:
            best, score = g, s
    return best


class _Lookup:
    """Needles of every gate, keyed to a bit mask of the gates that hold them.

    One text is then checked against all gates at once: two C-level set
    intersections and one OR per needle found, instead of three set tests
    per gate (a definition's strings meet about 56 gates).
    """

    __slots__ = ("grams", "keys", "short", "words")

    def __init__(self) -> None:
        self.words: dict[str, int] = {}
        self.grams: dict[str, int] = {}
        self.short: dict[str, int] = {}
        self.keys: tuple[frozenset[str], frozenset[str]] | None = None

    def add(
        self, bit: int, words: frozenset[str], grams: frozenset[str], short: tuple[str, ...]
    ) -> None:
        for table, needles in ((self.words, words), (self.grams, grams), (self.short, short)):
            for n in needles:
                table[n] = table.get(n, 0) | bit
        self.keys = None

    def mask(self, g: Grams) -> int:
        keys = self.keys
        if keys is None:
            keys = self.keys = (frozenset(self.words), frozenset(self.grams))
        words, grams = self.words, self.grams
        found = 0
        for n in g.words & keys[0]:
            found |= words[n]
        for n in g.grams & keys[1]:  # type: ignore[operator]  # grams set when gated
            found |= grams[n]
        text = g.text
        for n, bits in self.short.items():
            if n in text:
                found |= bits
        return found


# ASCII text is checked against the ASCII needles only (it cannot hold others).
_ASCII_LOOKUP = _Lookup()
_ANY_LOOKUP = _Lookup()
_GATE_COUNT = 0


class Grams:
    """Words and character trigrams of one (lower-cased) text, for many gates."""

    __slots__ = ("ascii", "gates", "grams", "mask", "text", "words")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self.mask = -1  # bit i: gate i may match; computed on the first gate check
        self.gates = 0  # gates that existed when ``mask`` was computed
        n = len(text)
        if n > MAX_GATED_CHARS:
            self.grams: frozenset[str] | None = None
            self.words: frozenset[str] = frozenset()
            return
        # Every GRAM-character window, joined from GRAM shifted copies (faster
        # than slicing at each position).
        shifted = [text[k:] for k in range(GRAM)]  # shorter copies end the windows
        self.grams = frozenset(map("".join, zip(*shifted, strict=False)))
        ws = set(_WORDS_RE.findall(text))
        self.words = frozenset(["=" + w for w in ws] + ["^" + w[:PREFIX] for w in ws])


class _Clause:
    """One set of needles, at least one of which a text must hold."""

    __slots__ = ("ascii_grams", "ascii_short", "ascii_words", "grams", "short", "words")

    def __init__(self, needles: frozenset[str], bit: int) -> None:
        subs = [n[1:] for n in needles if n[0] == "~"]
        words = [n for n in needles if n[0] != "~"]
        self.words = frozenset(words)
        self.ascii_words = frozenset(n for n in words if n.isascii())
        self.grams = frozenset(_rare_gram(n) for n in subs if len(n) >= GRAM)
        self.ascii_grams = frozenset(_rare_gram(n) for n in subs if len(n) >= GRAM and n.isascii())
        self.short = tuple(n for n in subs if len(n) < GRAM)
        self.ascii_short = tuple(n for n in self.short if n.isascii())
        _ASCII_LOOKUP.add(bit, self.ascii_words, self.ascii_grams, self.ascii_short)
        _ANY_LOOKUP.add(bit, self.words, self.grams, self.short)

    def holds(self, g: Grams) -> bool:
        """Does the (gated) text hold a needle of this clause? Checked set by set."""
        assert g.grams is not None
        if g.ascii:
            words, grams, short = self.ascii_words, self.ascii_grams, self.ascii_short
        else:
            words, grams, short = self.words, self.grams, self.short
        if not g.words.isdisjoint(words) or not g.grams.isdisjoint(grams):
            return True
        return any(n in g.text for n in short)


class NeedleGate:
    """May ``pattern`` match a text? False only when it provably cannot.

    The gate holds the pattern's clauses (``required_clauses``): a text may
    match only when it holds a needle of every clause. Each clause has a bit
    in the shared lookup, so one lookup per text answers every gate.
    """

    __slots__ = ("always", "bits", "clauses", "index")

    def __init__(self, clauses: tuple[frozenset[str], ...] | None) -> None:
        global _GATE_COUNT
        self.always = not clauses
        self.clauses: list[_Clause] = []
        self.bits = 0
        for needles in clauses or ():
            bit = 1 << _GATE_COUNT
            _GATE_COUNT += 1
            self.clauses.append(_Clause(needles, bit))
            self.bits |= bit
        self.index = _GATE_COUNT - 1  # the last lookup bit this gate reads

    @classmethod
    def of(cls, pattern: re.Pattern[str]) -> NeedleGate:
        return cls(required_clauses(pattern))

    def may_match(self, g: Grams) -> bool:
        if self.always or g.grams is None:
            return True
        if self.index >= g.gates:
            # First check on this text, or a gate made since: look all gates up once.
            g.mask = (_ASCII_LOOKUP if g.ascii else _ANY_LOOKUP).mask(g)
            g.gates = _GATE_COUNT
        return g.mask & self.bits == self.bits

    def may_match_slowly(self, g: Grams) -> bool:
        """``may_match`` clause by clause (the reference the lookup is tested against)."""
        if self.always or g.grams is None:
            return True
        return all(c.holds(g) for c in self.clauses)
