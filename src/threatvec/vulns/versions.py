"""Version parsing and comparison, CPE version ranges and OSV ranges.

One ordering serves every source, because a stack entry says ``torch 2.5.1``
whatever the advisory's dialect:

* PEP 440: ``[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]``
  (``alpha``/``beta``/``c``/``pre``/``preview`` are spelled-out pre-releases).
* semver: ``1.2.3-beta.1+build`` — the ``-label`` is a pre-release, the
  ``+build`` part never changes the order.
* Distribution and vendor oddities: a leading ``v``, ``6.8-rc1``,
  ``1.0-1`` (a bare number after a dash is a post release, as in PEP 440),
  OpenSSL's ``1.1.1w`` (a letter glued to the last number that is not a
  pre-release tag sorts after the bare number and before the next one).

Ambiguity we accept: a glued ``a``/``b``/``c`` (``1.1.1a``) is read the PEP 440
way, as a pre-release of ``1.1.1``; any other glued letter (``1.1.1w``) is an
OpenSSL-style letter release after ``1.1.1``.

Trailing zeros do not matter (``1.0 == 1.0.0``). Text that has no number at
all (``*``, ``-``, ``trunk``) is not a version: :func:`parse_version` returns
``None`` and range checks answer ``None`` ("cannot tell"), never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache, total_ordering

__all__ = [
    "Version",
    "compare_versions",
    "cpe_range_contains",
    "max_version",
    "osv_events_contain",
    "parse_version",
]

_MAX_VERSION_LEN = 128

# Phase ranks: dev-only releases sort before every pre-release, pre-releases
# before the final release, post releases after it.
_PRE_TAGS: Mapping[str, int] = {
    "alpha": 0,
    "a": 0,
    "beta": 1,
    "b": 1,
    "c": 2,
    "rc": 2,
    "pre": 2,
    "preview": 2,
    "cr": 2,
}
_POST_TAGS = frozenset({"post", "rev", "r", "p", "patch", "pl"})
_DEV_TAGS = frozenset({"dev", "snapshot"})

_TOKEN = re.compile(r"\d+|[a-z]+")
_EPOCH = re.compile(r"^(\d+)!")

_INF = float("inf")


@total_ordering
@dataclass(frozen=True, eq=False)
class Version:
    """A parsed version; compare with ``<``, ``==`` and friends."""

    text: str
    epoch: int
    release: tuple[int, ...]
    pre: tuple[int, int] | None
    post: int | None
    dev: int | None
    local: str

    @cached_property
    def _key(self) -> tuple[object, ...]:
        release = list(self.release)
        while len(release) > 1 and release[-1] == 0:
            release.pop()
        # Mirrors PEP 440's ordering: X.devN < X.aN < X < X.postN.
        if self.pre is None and self.post is None and self.dev is not None:
            pre: tuple[float, float] = (-_INF, 0)
        elif self.pre is None:
            pre = (_INF, 0)
        else:
            pre = (float(self.pre[0]), float(self.pre[1]))
        post = -_INF if self.post is None else float(self.post)
        dev = _INF if self.dev is None else float(self.dev)
        return (self.epoch, tuple(release), pre, post, dev)

    @property
    def is_prerelease(self) -> bool:
        return self.pre is not None or self.dev is not None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key == other._key

    def __lt__(self, other: Version) -> bool:
        return self._key < other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __str__(self) -> str:
        return self.text


def parse_version(text: str | None) -> Version | None:
    """Parse a version string; ``None`` when it holds no comparable version."""
    if text is None:
        return None
    return _parse_cached(text)


# Stacks and advisories repeat the same few thousand versions; Version is immutable.
@lru_cache(maxsize=65536)
def _parse_cached(text: str) -> Version | None:
    raw = text.strip()
    if not raw or len(raw) > _MAX_VERSION_LEN:
        return None
    lowered = raw.lower()
    if lowered.startswith("v") and len(lowered) > 1 and lowered[1].isdigit():
        lowered = lowered[1:]
    lowered, _, local = lowered.partition("+")
    epoch = 0
    m = _EPOCH.match(lowered)
    if m:
        epoch = int(m.group(1))
        lowered = lowered[m.end() :]
    if not lowered or not lowered[0].isdigit():
        return None

    release: list[int] = []
    pre: tuple[int, int] | None = None
    post: int | None = None
    dev: int | None = None
    # The release is the leading run of dot-separated numbers; everything
    # after it is read as qualifier tokens.
    rel = re.match(r"\d+(?:\.\d+)*", lowered)
    assert rel is not None  # guarded by the isdigit check above
    release = [int(p) for p in rel.group(0).split(".")]
    rest = lowered[rel.end() :]
    glued = bool(rest) and rest[0].isalpha()
    tokens = _TOKEN.findall(rest)
    dash_number = re.match(r"^-(\d+)(?:$|[.\-_])", rest)
    i = 0
    if dash_number:
        post = int(dash_number.group(1))
        i = 1
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) and tokens[i + 1].isdigit() else None
        step = 2 if nxt is not None else 1
        number = int(nxt) if nxt is not None else 0
        if tok.isdigit():
            # A stray number after qualifiers (``1.0-beta.1.2``): fold into
            # the current qualifier's number only once; otherwise ignore.
            i += 1
            continue
        if tok in _PRE_TAGS and pre is None:
            pre = (_PRE_TAGS[tok], number)
        elif tok in _POST_TAGS and post is None:
            post = number
        elif tok in _DEV_TAGS and dev is None:
            dev = number
        elif i == 0 and glued and len(tok) == 1:
            # OpenSSL-style letter release: 1.1.1w comes after 1.1.1 and
            # before 1.1.2. Kept as an extra release component.
            release.append(ord(tok) - ord("a") + 1)
            step = 1
        elif pre is None:
            # An unknown label (semver ``-foo``) is still a pre-release; the
            # lowest rank keeps 1.0.0-foo below 1.0.0 as semver says.
            pre = (-1, number)
        i += step
    return Version(raw, epoch, tuple(release), pre, post, dev, local)


def compare_versions(a: str, b: str) -> int | None:
    """-1, 0 or 1 as ``a`` is lower, equal or higher; ``None`` if either is unparseable."""
    va, vb = parse_version(a), parse_version(b)
    if va is None or vb is None:
        return None
    return (va > vb) - (va < vb)


# OSV's ``introduced: "0"`` means "from the very first version", including
# pre-releases such as 0.0.0b1 that sort below a plain 0; epoch -1 is below all.
_ZERO = Version("0", -1, (0,), None, None, None, "")


def _blank(value: str | None) -> bool:
    return value is None or value.strip() in ("", "*", "-")


def cpe_range_contains(
    version: str,
    *,
    exact: str | None = None,
    start_including: str | None = None,
    start_excluding: str | None = None,
    end_including: str | None = None,
    end_excluding: str | None = None,
) -> bool | None:
    """Is ``version`` inside an NVD cpeMatch? ``None`` when it cannot be told.

    ``exact`` is the CPE's own version field (``*`` or ``-`` mean "any"); the
    four bounds are NVD's ``versionStartIncluding`` ... ``versionEndExcluding``.
    A cpeMatch with no exact version and no bound covers every version.
    """
    v = parse_version(version)
    if v is None:
        return None
    if not _blank(exact):
        e = parse_version(exact)
        if e is None:
            # A non-numeric CPE version ("trunk"): equal text is the only sure answer.
            return version.strip().lower() == (exact or "").strip().lower() or None
        return v == e
    bounds: list[tuple[str | None, str]] = [
        (start_including, "ge"),
        (start_excluding, "gt"),
        (end_including, "le"),
        (end_excluding, "lt"),
    ]
    for bound_text, op in bounds:
        if _blank(bound_text):
            continue
        b = parse_version(bound_text)
        if b is None:
            return None
        ok = {"ge": v >= b, "gt": v > b, "le": v <= b, "lt": v < b}[op]
        if not ok:
            return False
    return True


def osv_events_contain(version: str, events: Sequence[Mapping[str, str]]) -> bool | None:
    """Is ``version`` affected by one OSV ``ECOSYSTEM``/``SEMVER`` range's events?

    Events are read in version order, as the OSV schema describes: an
    ``introduced`` opens an affected interval, a ``fixed`` (exclusive) or
    ``last_affected`` (inclusive) closes it, a ``limit`` caps everything.
    ``introduced: "0"`` means "from the first version".
    """
    v = parse_version(version)
    if v is None:
        return None
    parsed: list[tuple[Version, int, str]] = []
    limits: list[Version] = []
    # At one version, the order fixed/last_affected before introduced lets a
    # range that re-opens at the same version read correctly.
    order = {"fixed": 0, "last_affected": 1, "introduced": 2}
    for event in events:
        for kind, value in event.items():
            if kind == "limit":
                lv = parse_version(value)
                if lv is None:
                    return None
                limits.append(lv)
                continue
            if kind not in order:
                continue
            pv = _ZERO if value == "0" else parse_version(value)
            if pv is None:
                return None
            parsed.append((pv, order[kind], kind))
    if limits and all(v >= lim for lim in limits):
        return False
    parsed.sort(key=lambda item: (item[0], item[1]))
    affected = False
    for pv, _, kind in parsed:
        if kind == "introduced":
            if v >= pv:
                affected = True
            else:
                break
        elif kind == "fixed":
            if v >= pv:
                affected = False
            else:
                break
        elif kind == "last_affected":
            if v > pv:
                affected = False
            else:
                break
    return affected


def max_version(versions: Iterable[str]) -> str | None:
    """The highest parseable version in ``versions`` (by this module's order)."""
    best: Version | None = None
    for text in versions:
        v = parse_version(text)
        if v is not None and (best is None or v > best):
            best = v
    return None if best is None else best.text
