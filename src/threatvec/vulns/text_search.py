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
* PostgreSQL: a side table ``cves_tsv`` (CVE id, ``to_tsvector('simple',
  description)``) with a GIN index, kept by a trigger on ``cves`` (vulns_0005).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    String,
    TableClause,
    and_,
    column,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
)
from sqlalchemy.orm import Session

from threatvec.vulns.models import (
    FTS_TABLE,
    PG_TEXT_INDEX,
    PG_TEXT_TABLE,
    UNMANAGED_SCHEMA_NAMES,
)

__all__ = [
    "FTS_TABLE",
    "MAX_TERMS",
    "PG_TEXT_INDEX",
    "PG_TEXT_TABLE",
    "UNMANAGED_SCHEMA_NAMES",
    "SearchTerm",
    "TextPlan",
    "TextQuery",
    "count_matches",
    "fts5_match",
    "parse_text_query",
    "pg_tsquery_text",
    "sqlite_rowid",
    "sqlite_rowid_sql",
    "text_condition",
    "words_source",
]

MAX_TERMS = 16
TextPlan = Literal["probe", "set", "drive"]
_MAX_WORD = 64
_WORD = re.compile(r"[^\W_]+")
_CHUNK = re.compile(r'"([^"]*)"(\*?)|(\S+)')
_CVE_FULL = re.compile(r"^CVE-\d{4}-\d{4,19}$")
_CVE_PARTIAL = re.compile(r"^CVE-\d{4}(-\d*)?$")


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


def _id_conditions(q: TextQuery, cve_col: ColumnElement[str]) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [cve_col == i for i in q.cve_ids]
    for p in q.cve_prefixes:
        lo, hi = _id_prefix_bounds(p)
        conds.append(and_(cve_col >= lo, cve_col < hi))
    return conds


def _sqlite_words_probe(q: TextQuery, outer_table: str) -> ColumnElement[bool]:
    # Is the walked row's CVE among the matches? The matches are materialised
    # once as an ephemeral table of packed integers and each row's packed id is
    # looked up in it (measured faster than unpacking every match to a string).
    rowid = sqlite_rowid_sql(outer_table + ".cve_id")
    probe = "%s IN (SELECT rowid FROM %s WHERE %s MATCH :fts_q)" % (  # noqa: S608, UP031
        rowid,
        FTS_TABLE,
        FTS_TABLE,
    )
    return text(probe).bindparams(fts_q=fts5_match(q))


def _sqlite_words_source(q: TextQuery) -> Select[tuple[str]]:
    # The matches unpacked to CVE ids in SQL (the inverse of sqlite_rowid_sql),
    # so they can drive a probe of the (org_id, cve_id, ...) index.
    unpack = (
        "printf('CVE-%04d-%0*d', rowid / 10000000000000 / 20, "
        "(rowid / 10000000000000) % 20, rowid % 10000000000000)"
    )
    return (
        select(literal_column(unpack, String()).label("cve_id"))
        .select_from(table(FTS_TABLE))
        .where(text(f"{FTS_TABLE} MATCH :fts_q").bindparams(fts_q=fts5_match(q)))
    )


def _rowid_to_cve(rowid: int) -> str:
    head, seq = divmod(rowid, 10**13)
    year, digits = divmod(head, 20)
    return f"CVE-{year:04d}-{seq:0{digits}d}"


def _pg_match(q: TextQuery, words: FromClause) -> ColumnElement[bool]:
    # The configuration is a literal, so the query parses words exactly as the
    # trigger that fills cves_tsv did.
    query = func.to_tsquery(literal_column("'simple'::regconfig"), pg_tsquery_text(q))
    return words.c.words.op("@@")(query)


def _pg_words() -> TableClause:
    return table(PG_TEXT_TABLE, column("cve_id", String()), column("words"))


def _pg_words_probe(q: TextQuery, cve_col: ColumnElement[str]) -> ColumnElement[bool]:
    # One primary-key probe of the narrow words table per walked row.
    t = _pg_words().alias("fts_t")
    return exists().where(t.c.cve_id == cve_col, _pg_match(q, t))


def _pg_words_source(q: TextQuery) -> Select[tuple[str]]:
    t = _pg_words()
    return select(t.c.cve_id).where(_pg_match(q, t))


def count_matches(session: Session, q: TextQuery, cap: int) -> int:
    """How many CVEs match the word terms of ``q``, counted up to ``cap`` (from the index)."""
    if not q.terms:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        source = _pg_words_source(q)
    else:
        # Rowids only: unpacking each to a CVE id would double the cost of a count.
        source = (
            select(literal_column("rowid"))
            .select_from(table(FTS_TABLE))
            .where(text(f"{FTS_TABLE} MATCH :fts_q").bindparams(fts_q=fts5_match(q)))
        )
    found = source.limit(cap).subquery()
    return int(session.scalar(select(func.count()).select_from(found)) or 0)


def words_source(session: Session, q: TextQuery) -> Select[tuple[str]]:
    """The CVE ids whose description matches every word term of ``q``, read from the index."""
    if session.get_bind().dialect.name == "postgresql":
        return _pg_words_source(q)
    return _sqlite_words_source(q)


def text_condition(
    session: Session,
    q: TextQuery,
    cve_col: ColumnElement[str],
    *,
    outer_table: str,
    plan: TextPlan = "probe",
) -> ColumnElement[bool]:
    """The WHERE condition for ``q`` on rows whose CVE id is ``cve_col`` (of ``outer_table``).

    ``plan`` shapes the word match for the plan the caller wants (all three
    select the same rows; service.list_page chooses):

    * ``probe``: a check per row, for a short walk of a sort index (PostgreSQL:
      one primary-key probe of ``cves_tsv``; SQLite: see ``set``);
    * ``set``: membership in the matches, collected once into a hash (PostgreSQL:
      ``(cve_id IN (...)) IS TRUE``, which keeps the planner from turning it
      into a join) or an ephemeral table of packed ids (SQLite), for a long walk;
    * ``drive``: ``cve_id IN (matches)``, for a plan that starts from the matches.
    """
    if q.empty:
        return false()
    conds = _id_conditions(q, cve_col)
    n_ids = len(conds)
    if q.terms:
        postgres = session.get_bind().dialect.name == "postgresql"
        if plan == "drive":
            conds.append(cve_col.in_(words_source(session, q)))
        elif not postgres:
            conds.append(_sqlite_words_probe(q, outer_table))
        elif plan == "set":
            conds.append(cve_col.in_(_pg_words_source(q)).is_(true()))
        else:
            conds.append(_pg_words_probe(q, cve_col))
    if not conds:
        return true()
    # Several CVE ids (or prefixes) widen the match; words narrow it.
    parts: list[ColumnElement[bool]] = list(conds[n_ids:])
    if n_ids:
        parts.append(or_(*conds[:n_ids]))
    return and_(*parts)
