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
  description)``) with a GIN index, kept by a trigger on ``cves`` (vulns_0005),
  and ``cve_words`` (word, CVE id), one row per lexeme of ``cves_tsv``, kept by
  a trigger on it (vulns_0006). A plain word (ASCII letters and digits, which
  ``to_tsquery('simple', ...)`` keeps as one lexeme, itself) is looked up in
  ``cve_words``' primary key, index-only; what a word row cannot say (a
  phrase's order, a prefix, a word with other characters) is then checked on
  the few candidates left against ``cves_tsv`` with the same ``tsquery`` as
  before, so both paths select the same CVEs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    FromClause,
    Select,
    SQLColumnExpression,
    String,
    TableClause,
    TextClause,
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
    PG_WORDS_TABLE,
    UNMANAGED_SCHEMA_NAMES,
)

__all__ = [
    "FTS_TABLE",
    "MAX_TERMS",
    "PG_TEXT_INDEX",
    "PG_TEXT_TABLE",
    "PG_WORDS_TABLE",
    "UNKNOWN_COUNT",
    "UNMANAGED_SCHEMA_NAMES",
    "SearchTerm",
    "TextPlan",
    "TextQuery",
    "count_matches",
    "fts5_match",
    "parse_text_query",
    "pg_tsquery_text",
    "pg_word_split",
    "rank_words",
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
# Words to_tsquery('simple', ...) turns into exactly one lexeme equal to the
# word (checked by tests/vulns/test_text_search_words.py); anything else goes
# through the tsquery itself.
_PLAIN = re.compile(r"[a-z0-9]+")


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


def _id_conditions(q: TextQuery, cve_col: SQLColumnExpression[str]) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [cve_col == i for i in q.cve_ids]
    for p in q.cve_prefixes:
        lo, hi = _id_prefix_bounds(p)
        conds.append(and_(cve_col >= lo, cve_col < hi))
    return conds


def _sqlite_words_probe(q: TextQuery, outer_table: str) -> TextClause:
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


def _sqlite_words_source(q: TextQuery) -> Select[str]:
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


def _pg_words_probe(q: TextQuery, cve_col: SQLColumnExpression[str]) -> ColumnElement[bool]:
    # One primary-key probe of the narrow words table per walked row.
    t = _pg_words().alias("fts_t")
    return exists().where(t.c.cve_id == cve_col, _pg_match(q, t))


def _pg_words_source(q: TextQuery) -> Select[str]:
    t = _pg_words()
    return select(t.c.cve_id).where(_pg_match(q, t))


def pg_word_split(q: TextQuery) -> tuple[tuple[str, ...], TextQuery | None]:
    """The plain whole words every match must contain, and the terms a word row cannot decide.

    ``"path traversal"`` gives ``path`` and ``traversal`` (each must occur)
    and the phrase itself (their order); ``deserial*`` gives no word and the
    prefix; ``kernel`` gives ``kernel`` and nothing left to check.
    """
    words: list[str] = []
    rest: list[SearchTerm] = []
    for t in q.terms:
        whole = t.words[:-1] if t.prefix else t.words
        words += [w for w in whole if _PLAIN.fullmatch(w)]
        if t.prefix or len(t.words) > 1 or not all(_PLAIN.fullmatch(w) for w in t.words):
            rest.append(t)
    return tuple(dict.fromkeys(words)), TextQuery(tuple(rest)) if rest else None


def _cve_words() -> TableClause:
    return table(PG_WORDS_TABLE, column("word", String()), column("cve_id", String()))


# The common words ANALYZE saw in cve_words, each with its share of the rows,
# and the table's row count: a word's CVE count without reading its entries.
# Bound parameters only.
_PG_COMMON_WORDS = text(
    "SELECT v.word, v.freq, c.reltuples FROM pg_class c"
    " JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = c.relname"
    " AND s.attname = 'word',"
    " unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS v(word, freq)"
    " WHERE c.relname = :words_table AND c.relnamespace = current_schema()::regnamespace"
)
#: A word's count when nothing is known beyond "at least the cap" (no statistics).
UNKNOWN_COUNT = 2**62


def rank_words(session: Session, q: TextQuery, cap: int) -> list[tuple[str, int]]:
    """PostgreSQL: the plain words of ``q`` with how many CVEs each has, rarest first.

    Counted exactly up to ``cap`` (index-only); a word past the cap gets the
    planner's estimate (its share of ``cve_words`` rows in the statistics;
    one not among the common words, at most the least common one's share;
    with no statistics, :data:`UNKNOWN_COUNT`), as counting the 140,000
    entries of ``code`` would cost more than the search. Empty on SQLite and
    when ``q`` has no plain whole word (a prefix alone, say).
    """
    words, _ = pg_word_split(q)
    if not words or session.get_bind().dialect.name != "postgresql":
        return []
    counts = []
    for w in words:
        t = _cve_words()
        capped = select(t.c.cve_id).where(t.c.word == w).limit(cap).subquery()
        counts.append(select(func.count()).select_from(capped).scalar_subquery())
    row = [int(n) for n in session.execute(select(*counts)).one()]
    ranked = dict(zip(words, row, strict=True))
    if any(n >= cap for n in row):
        common = session.execute(_PG_COMMON_WORDS, {"words_table": PG_WORDS_TABLE}).all()
        share = {w: float(f) for w, f, _ in common}
        rows = float(common[0][2]) if common else 0.0
        least = min(share.values(), default=0.0)
        for w, n in ranked.items():
            if n >= cap:
                guess = share.get(w, least) * rows
                ranked[w] = max(cap, int(guess)) if guess > 0 else UNKNOWN_COUNT
    return sorted(ranked.items(), key=lambda wn: wn[1])


def _pg_has_word(word: str, cve_col: SQLColumnExpression[str]) -> ColumnElement[bool]:
    # One probe of the (word, cve_id) primary key: index-only once vacuumed.
    t = _cve_words().alias("cw_p")
    return exists().where(t.c.word == word, t.c.cve_id == cve_col)


def _pg_word_ids(word: str) -> Select[str]:
    t = _cve_words()
    return select(t.c.cve_id).where(t.c.word == word)


def _pg_word_conditions(
    q: TextQuery, cve_col: SQLColumnExpression[str], plan: TextPlan, first: Sequence[str]
) -> list[ColumnElement[bool]] | None:
    """The word match as word-table conditions (None when ``q`` has no plain word).

    ``first`` is the words rarest first (service.py counts them): the rarest
    is the one hashed (``set``) or scanned (``drive``), the others are probed
    per candidate, and the tsquery rest (phrase order, prefixes) comes last,
    so it is evaluated only on rows that already have every plain word.
    """
    words, rest = pg_word_split(q)
    if not words or (plan == "probe" and rest is not None):
        # A short walk with a phrase or prefix to check: one probe of
        # cves_tsv per row decides it all, cheaper than word probes and then
        # that probe anyway.
        return None
    order = [w for w in first if w in words] + [w for w in words if w not in first]
    head, tail = order[0], order[1:]
    conds: list[ColumnElement[bool]] = []
    if plan == "drive":
        t = _cve_words().alias("cw_d")
        source = select(t.c.cve_id).where(
            t.c.word == head,
            *(_pg_has_word(w, t.c.cve_id) for w in tail),
            *([_pg_words_probe(rest, t.c.cve_id)] if rest else []),
        )
        return [cve_col.in_(source)]
    if plan == "set":
        # IS TRUE keeps it a hashed subplan (a hash of the rarest word's CVEs)
        # instead of a join the planner would reorder.
        conds.append(cve_col.in_(_pg_word_ids(head)).is_(true()))
    else:
        conds.append(_pg_has_word(head, cve_col))
    conds += [_pg_has_word(w, cve_col) for w in tail]
    if rest is not None:
        conds.append(_pg_words_probe(rest, cve_col))
    return conds


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


def words_source(session: Session, q: TextQuery) -> Select[str]:
    """The CVE ids whose description matches every word term of ``q``, read from the index."""
    if session.get_bind().dialect.name == "postgresql":
        words, rest = pg_word_split(q)
        if not words:
            return _pg_words_source(q)
        t = _cve_words().alias("cw_s")
        return select(t.c.cve_id).where(
            t.c.word == words[0],
            *(_pg_has_word(w, t.c.cve_id) for w in words[1:]),
            *([_pg_words_probe(rest, t.c.cve_id)] if rest else []),
        )
    return _sqlite_words_source(q)


def text_condition(
    session: Session,
    q: TextQuery,
    cve_col: SQLColumnExpression[str],
    *,
    outer_table: str,
    plan: TextPlan = "probe",
    rarest_first: Sequence[str] = (),
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

    On PostgreSQL a query with a plain whole word uses ``cve_words`` instead
    (:func:`_pg_word_conditions`; ``rarest_first`` from :func:`rank_words`).
    """
    if q.empty:
        return false()
    # A condition may be a textual one (the SQLite FTS probe): and_/or_ take both.
    conds: list[ColumnExpressionArgument[bool]] = [*_id_conditions(q, cve_col)]
    n_ids = len(conds)
    if q.terms:
        postgres = session.get_bind().dialect.name == "postgresql"
        word_conds = _pg_word_conditions(q, cve_col, plan, rarest_first) if postgres else None
        if word_conds is not None:
            conds += word_conds
        elif plan == "drive":
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
    parts = conds[n_ids:]
    if n_ids:
        parts.append(or_(*conds[:n_ids]))
    return and_(*parts)
