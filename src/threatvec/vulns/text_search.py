"""Free-text search over CVEs: the query language and its full-text index on each store.

What ``text=`` matches (docs/vulns.md, "Searching"):

* words: every word must occur in the description (AND), whole words,
  case-insensitive, accents folded; no stemming, so both stores agree;
* ``word*``: words starting with ``word``;
* ``"two words"``: the words next to each other, in that order;
* ``CVE-2024-1086``: that CVE id; ``CVE-2024-10*`` or ``CVE-2024``: ids that
  start so.

Anything else (operators, brackets, quotes left open, punctuation) is plain
text: the user's input is reduced to alphanumeric words before it reaches a
full-text engine, so no input can be a syntax error there.

The index lives outside the ORM metadata (a migration creates it with raw
DDL; ``UNMANAGED_SCHEMA_NAMES`` tells the model/migration comparison to
leave it alone):

* SQLite: a contentless FTS5 table ``cves_fts`` whose rowid is computed from
  the CVE id (:func:`sqlite_rowid_sql`), kept in sync by triggers on ``cves``
  in the same transaction as every CVE insert, update and delete. The rowid is
  computed, not ``cves.rowid``, because ``VACUUM`` may renumber the rowids of
  a table without an INTEGER PRIMARY KEY.
* PostgreSQL: a GIN index on ``to_tsvector('simple', description)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    String,
    and_,
    any_,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from threatvec.vulns.models import FTS_TABLE, PG_TEXT_INDEX, UNMANAGED_SCHEMA_NAMES, Cve

__all__ = [
    "FTS_TABLE",
    "MAX_TERMS",
    "PG_TEXT_INDEX",
    "UNMANAGED_SCHEMA_NAMES",
    "SearchTerm",
    "TextQuery",
    "fts5_match",
    "parse_text_query",
    "pg_tsquery_text",
    "sqlite_rowid",
    "sqlite_rowid_sql",
    "text_condition",
]

MAX_TERMS = 16
_MAX_WORD = 64
_WORD = re.compile(r"[^\W_]+")
_CHUNK = re.compile(r'"([^"]*)"(\*?)|(\S+)')
_CVE_FULL = re.compile(r"^CVE-\d{4}-\d{4,19}$")
_CVE_PARTIAL = re.compile(r"^CVE-\d{4}(-\d*)?$")
# Above this many matching CVEs, walking the sort index and probing each row
# beats collecting every match and sorting them (mirrors the technology filter).
_DENSE_MATCHES = 3000
_PG_COLLECT_MAX = 50_000


@dataclass(frozen=True)
class SearchTerm:
    """Words that must occur next to each other; the last one as a prefix when ``prefix``."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class TextQuery:
    terms: tuple[SearchTerm, ...] = ()
    cve_ids: tuple[str, ...] = ()
    cve_prefixes: tuple[str, ...] = ()
    # Input was given but nothing searchable was left: match nothing, not everything.
    empty: bool = field(default=False)


def parse_text_query(raw: str) -> TextQuery:
    """Split the user's text into words, phrases, prefixes and CVE ids (never raises)."""
    terms: list[SearchTerm] = []
    ids: list[str] = []
    prefixes: list[str] = []
    for m in _CHUNK.finditer(raw[:1000]):
        quoted, star_after_quote, bare = m.group(1), m.group(2), m.group(3)
        if bare is not None:
            prefix = bare.endswith("*")
            core = bare.rstrip("*")
            upper = core.upper()
            if _CVE_FULL.match(upper) and not prefix:
                ids.append(upper)
                continue
            if _CVE_FULL.match(upper) or _CVE_PARTIAL.match(upper):
                prefixes.append(upper)
                continue
            words = _WORD.findall(core)
        else:
            prefix = bool(star_after_quote)
            words = _WORD.findall(quoted)
        words = [w.lower()[:_MAX_WORD] for w in words]
        if words:
            terms.append(SearchTerm(tuple(words), prefix))
    terms, ids, prefixes = terms[:MAX_TERMS], ids[:MAX_TERMS], prefixes[:MAX_TERMS]
    nothing = not (terms or ids or prefixes)
    return TextQuery(tuple(terms), tuple(ids), tuple(prefixes), empty=nothing and bool(raw.strip()))


def fts5_match(q: TextQuery) -> str:
    """The FTS5 MATCH string: each term a quoted phrase (words are alphanumeric only)."""
    return " AND ".join('"' + " ".join(t.words) + '"' + ("*" if t.prefix else "") for t in q.terms)


def pg_tsquery_text(q: TextQuery) -> str:
    """A ``to_tsquery('simple', ...)`` string: phrases with ``<->``, prefixes with ``:*``."""
    parts = []
    for t in q.terms:
        lexemes = [f"'{w}'" for w in t.words]
        if t.prefix:
            lexemes[-1] += ":*"
        parts.append("(" + " <-> ".join(lexemes) + ")")
    return " & ".join(parts)


def sqlite_rowid_sql(column: str) -> str:
    """SQL for the FTS rowid of a CVE id: year, digit count and sequence packed into 63 bits.

    Injective for every id with a sequence of at most 13 digits (zero padding
    included); longer ids are not indexed (none exist; the triggers skip them).
    """
    return (
        f"((CAST(substr({column}, 5, 4) AS INTEGER) * 20 + (length({column}) - 9))"
        f" * 10000000000000 + CAST(substr({column}, 10) AS INTEGER))"
    )


def sqlite_rowid(cve_id: str) -> int:
    """Python twin of :func:`sqlite_rowid_sql` (tests check they agree)."""
    return (int(cve_id[4:8]) * 20 + (len(cve_id) - 9)) * 10**13 + int(cve_id[9:])


def _id_prefix_bounds(prefix: str) -> tuple[str, str]:
    # A range instead of LIKE: it uses the (org_id, cve_id) index on both stores.
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _id_conditions(q: TextQuery, cve_col: InstrumentedAttribute[str]) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [cve_col == i for i in q.cve_ids]
    for p in q.cve_prefixes:
        lo, hi = _id_prefix_bounds(p)
        conds.append(and_(cve_col >= lo, cve_col < hi))
    return conds


def _sqlite_count(session: Session, match: str, limit: int) -> int:
    return int(
        session.execute(
            text(
                f"SELECT count(*) FROM (SELECT 1 FROM {FTS_TABLE} "  # noqa: S608 - constant table name, bound query
                f"WHERE {FTS_TABLE} MATCH :q LIMIT :n)"
            ),
            {"q": match, "n": limit},
        ).scalar_one()
    )


def _sqlite_words(
    session: Session, q: TextQuery, cve_col: InstrumentedAttribute[str], outer_table: str
) -> ColumnElement[bool]:
    match = fts5_match(q)
    if _sqlite_count(session, match, _DENSE_MATCHES + 1) > _DENSE_MATCHES:
        # Many matches: walk the sort index (cve_id is in its entries) and keep
        # the rows whose packed id is among the matches, materialised once as an
        # ephemeral table of integers. Measured faster than unpacking every
        # match to a string (bench/README, "Vulnerability API").
        rowid = sqlite_rowid_sql(outer_table + ".cve_id")
        probe = "%s IN (SELECT rowid FROM %s WHERE %s MATCH :fts_q)" % (  # noqa: S608, UP031
            rowid,
            FTS_TABLE,
            FTS_TABLE,
        )
        return text(probe).bindparams(fts_q=match)
    # Few matches: collect them (as CVE ids, the inverse of the rowid packing) and
    # let the (org_id, cve_id) index find the rows.
    ids = list(
        session.execute(
            text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q"),  # noqa: S608
            {"q": match},
        ).scalars()
    )
    if not ids:
        return false()
    return cve_col.in_([_rowid_to_cve(r) for r in ids])


def _rowid_to_cve(rowid: int) -> str:
    head, seq = divmod(rowid, 10**13)
    year, digits = divmod(head, 20)
    return f"CVE-{year:04d}-{seq:0{digits}d}"


def _pg_words(
    session: Session, q: TextQuery, cve_col: InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    # Same expression as the index (migration vulns_0002), so the GIN index serves it.
    # The configuration is a literal, not a bound parameter: a parameter would
    # keep the planner from matching the index expression.
    config = literal_column("'simple'::regconfig")
    vector = func.to_tsvector(config, Cve.description)
    query = func.to_tsquery(config, pg_tsquery_text(q))
    matching = select(Cve.cve_id).where(vector.op("@@")(query))
    # Left to itself the planner walks the priority index and recomputes
    # to_tsvector for every row it passes (3.7 s for a word with 9,000 matches
    # deep in the order). Collecting the matches from the GIN index first and
    # checking each walked row against them (a hashed = ANY) avoids that.
    ids = list(session.scalars(matching.limit(_PG_COLLECT_MAX + 1)))
    if len(ids) <= _PG_COLLECT_MAX:
        if not ids:
            return false()
        return cve_col == any_(bindparam("fts_ids", ids, type_=ARRAY(String())))
    # Very many matches: they are dense, so walking and testing rows finds a page fast.
    return cve_col.in_(matching)


def text_condition(
    session: Session,
    q: TextQuery,
    cve_col: InstrumentedAttribute[str],
    *,
    outer_table: str,
) -> ColumnElement[bool]:
    """The WHERE condition for ``q`` on rows whose CVE id is ``cve_col`` (of ``outer_table``)."""
    if q.empty:
        return false()
    conds = _id_conditions(q, cve_col)
    if q.terms:
        if session.get_bind().dialect.name == "postgresql":
            conds.append(_pg_words(session, q, cve_col))
        else:
            conds.append(_sqlite_words(session, q, cve_col, outer_table))
    if not conds:
        return true()
    # Several CVE ids (or prefixes) widen the match; words narrow it.
    id_conds = conds[: len(q.cve_ids) + len(q.cve_prefixes)]
    word_conds = conds[len(id_conds) :]
    parts: list[ColumnElement[bool]] = list(word_conds)
    if id_conds:
        parts.append(or_(*id_conds))
    return and_(*parts)
