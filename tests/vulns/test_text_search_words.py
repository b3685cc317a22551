"""Text search plans against a plain reference query, on SQLite and PostgreSQL (issue #5).

Every plan a text page can take (from the matches, the budgeted walk, the
walk against a hashed set; on PostgreSQL with or without the word table
``cve_words``) must give the same ids, order and cursors as a straightforward
query: the store's own full-text match (PostgreSQL: ``to_tsvector`` of the
description itself, not either side table) applied to the list without text.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import backend, create_org, make_migrated_engine, new_database_url
from tests.vulns.vulns_data import renamed
from threatvec.core.pagination import PageParams
from threatvec.store.engine import make_session_factory, session_scope
from threatvec.vulns import ingest, service
from threatvec.vulns.ingest import recorded_run, refresh_statistics, store_nvd_records
from threatvec.vulns.models import Cve
from threatvec.vulns.nvd import parse_cve
from threatvec.vulns.text_search import (
    SearchTerm,
    TextQuery,
    fts5_match,
    parse_text_query,
    pg_tsquery_text,
    pg_word_split,
    rank_words,
    sqlite_rowid_sql,
)

pytestmark = pytest.mark.db

postgres_only = pytest.mark.skipif(
    backend() != "postgres", reason="the word table exists on PostgreSQL only"
)

# Words chosen to hit every path: plain words, digits, words the default
# parser keeps whole ("x86", "2fa", "0386"), accents (no plain word), parts
# of hyphenated and underscored words, and words that prefix others.
_VOCAB = [
    "remote", "code", "execution", "path", "traversal", "kernel", "linux", "x86",
    "0386", "2fa", "café", "naïve", "langchain-core", "nf_tables", "vulnerable",
    "vulnerability", "vulnerabilities", "deserialization", "the", "allows", "a",
    "buffer", "overflow", "in", "remotely", "codec",
]  # fmt: skip


# ------------------------------------------------------------------ the split (pure)


def test_plain_words_go_to_the_word_table_the_rest_to_the_tsquery() -> None:
    words, rest = pg_word_split(parse_text_query("kernel netfilter"))
    assert words == ("kernel", "netfilter") and rest is None
    words, rest = pg_word_split(parse_text_query('"path traversal" path'))
    assert words == ("path", "traversal")
    assert rest == TextQuery((SearchTerm(("path", "traversal")),))
    # A prefix's last word is not a whole word; the words before it are.
    words, rest = pg_word_split(parse_text_query('"remote code"* vulnerab*'))
    assert words == ("remote",)
    assert rest is not None and len(rest.terms) == 2
    # Not plain ASCII: decided by the tsquery alone.
    words, rest = pg_word_split(parse_text_query("café"))
    assert words == () and rest == TextQuery((SearchTerm(("café",)),))
    assert pg_word_split(parse_text_query("CVE-2024-1086")) == ((), None)


# ------------------------------------------------------------------ on a real store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    engine = make_migrated_engine(new_database_url(tmp_path_factory.mktemp("vulns-words")))
    yield make_session_factory(engine)
    engine.dispose()


def _synthetic(nvd_raw: list[dict[str, Any]], n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` real records under fresh ids with descriptions drawn from ``_VOCAB``."""
    rng = random.Random(seed)
    out = []
    for i, obj in enumerate(renamed([nvd_raw[i % len(nvd_raw)] for i in range(n)])):
        words = [rng.choice(_VOCAB) for _ in range(rng.randint(3, 12))]
        if i % 4 == 0:
            words += ["remote", "code", "execution"]
        if i % 5 == 0:
            words.insert(rng.randint(0, len(words)), "path traversal")
        c = copy.deepcopy(obj)
        c["descriptions"] = [{"lang": "en", "value": " ".join(words).capitalize() + "."}]
        out.append(c)
    return out


@pytest.fixture(scope="module")
def words_org(store: sessionmaker[Session], nvd_raw: list[dict[str, Any]]) -> str:
    """Real records three times over plus 150 synthetic ones: many words, phrases and ties."""
    org = create_org(store)
    with session_scope(store) as s:
        batches = [renamed(nvd_raw) for _ in range(3)] + [_synthetic(nvd_raw, 150, 7)]
        for raw in batches:
            store_nvd_records(s, [parse_cve(r) for r in raw], org_ids=[org.id])
    refresh_statistics(store.kw["bind"], rows_written=ingest.REFRESH_AFTER_ROWS)
    return org.id


def _pages(
    store: sessionmaker[Session], org_id: str, limit: int, sort: str | None, **kw: Any
) -> tuple[list[str], list[str | None]]:
    """Every page, followed through its cursors: the ids and the cursors."""
    ids: list[str] = []
    cursors: list[str | None] = []
    cursor = None
    with session_scope(store) as s:
        while True:
            rows, cursor = service.list_page(
                session=s,
                org_id=org_id,
                page=PageParams(limit=limit, cursor=cursor, sort=sort),
                filters=service.PatchFilters(scope="all", **kw),
            )
            ids += [r.cve_id for r in rows]
            cursors.append(cursor)
            if cursor is None:
                return ids, cursors


def _reference_matches(s: Session, raw: str) -> set[str] | None:
    """The CVEs the store's own full-text engine matches for the word terms (None: no terms)."""
    q = parse_text_query(raw)
    if not q.terms:
        return None
    if s.get_bind().dialect.name == "postgresql":
        stmt = text(
            "SELECT cve_id FROM cves WHERE to_tsvector('simple'::regconfig, description)"
            " @@ to_tsquery('simple'::regconfig, :q)"
        ).bindparams(q=pg_tsquery_text(q))
    else:
        packed = sqlite_rowid_sql("cves.cve_id")
        stmt = text(
            f"SELECT cve_id FROM cves WHERE {packed} IN "  # constant SQL; the query is bound
            "(SELECT rowid FROM cves_fts WHERE cves_fts MATCH :q)"
        ).bindparams(q=fts5_match(q))
    return {c for (c,) in s.execute(stmt)}


def _reference(
    store: sessionmaker[Session], org_id: str, raw: str, limit: int, sort: str | None, **kw: Any
) -> list[str]:
    q = parse_text_query(raw)
    with session_scope(store) as s:
        words = _reference_matches(s, raw)
    listed, _ = _pages(store, org_id, 500, sort, **kw)

    def by_id(c: str) -> bool:
        if not (q.cve_ids or q.cve_prefixes):
            return True
        return c in q.cve_ids or any(c.startswith(p) for p in q.cve_prefixes)

    return [c for c in listed if (words is None or c in words) and by_id(c)]


# Each set of knobs forces one plan (or chain of plans) on each store.
PLANS: dict[str, dict[str, int]] = {
    "as configured": {},
    "from the matches": {
        "_WALK_BUDGET": 1,
        "_SQLITE_WALK_MATCHES": 10**6,
        "_PG_DRIVE_MATCHES": 10**6,
    },
    "hashed set at once": {"_PG_DRIVE_MATCHES": 0, "_PG_HASH_WORDS": 10**6},
    "budgeted walk, then hashed set": {
        "_PG_DRIVE_MATCHES": 0,
        "_PG_HASH_WORDS": 0,
        "_WALK_BUDGET": 12,
        "_SQLITE_WALK_MATCHES": 10**6,
    },
    "walk without budget": {
        "_PG_DRIVE_MATCHES": 0,
        "_PG_HASH_WORDS": 0,
        "_WALK_BUDGET": 10**6,
        "_SQLITE_WALK_MATCHES": 0,
    },
}

CASES: list[tuple[str, dict[str, Any]]] = [
    ("code", {}),
    ("remote code execution", {}),
    ("execution remote", {"sort": "due"}),
    ('"path traversal"', {}),
    ('"traversal path"', {}),
    ('"path traversal" kernel', {"sort": "-published"}),
    ("vulnerab*", {}),
    ('"remote code"*', {}),
    ("codec* remote", {}),
    ("x86 0386", {}),
    ("2fa", {"sort": "cvss"}),
    ("café", {}),
    ("naïve code", {}),
    ("langchain-core", {}),
    ("langchain*", {}),
    ("nf_tables", {}),
    ("the a in", {"severity": ["CRITICAL", "HIGH"]}),
    ("kernel", {"technology": "linux"}),
    ("code", {"sort": "-epss", "status": ["open"]}),
    ("allows CVE-2100*", {}),
    ("qwertyuiop", {}),
    ("remote qwertyuiop", {}),
]


@pytest.mark.parametrize(("raw", "kw"), CASES)
def test_every_plan_gives_the_reference_pages_and_cursors(
    store: sessionmaker[Session],
    words_org: str,
    monkeypatch: pytest.MonkeyPatch,
    raw: str,
    kw: dict[str, Any],
) -> None:
    kw = dict(kw)
    sort = kw.pop("sort", None)
    expected = _reference(store, words_org, raw, 500, sort, **kw)
    first_cursors: list[str | None] | None = None
    for name, knobs in PLANS.items():
        with monkeypatch.context() as m:
            for attr, value in knobs.items():
                m.setattr(service, attr, value)
            got, cursors = _pages(store, words_org, 7, sort, text=raw, **kw)
        assert got == expected, (raw, name)
        # The cursors are the list's own keyset cursors: the same whichever plan.
        if first_cursors is None:
            first_cursors = cursors
        assert cursors == first_cursors, (raw, name)
    if raw not in ("qwertyuiop", "remote qwertyuiop", '"traversal path"'):
        assert len(expected) > 7, raw  # more than a page: the cursors were followed


@postgres_only
def test_plain_words_are_one_lexeme_each_in_a_tsquery(
    store: sessionmaker[Session], words_org: str
) -> None:
    # The word-table path relies on this (text_search._PLAIN); any lexeme the
    # index holds that is plain ASCII must come back unchanged.
    with session_scope(store) as s:
        lexemes = [w for (w,) in s.execute(text("SELECT DISTINCT word FROM cve_words"))]
        plain = [w for w in lexemes if re.fullmatch(r"[a-z0-9]+", w)]
        plain += ["2fa", "1e5", "0x1f", "00", "1st", "e10", "9" * 40, "abc123def"]
        assert len(plain) > 100
        for w in plain:
            got = s.scalar(
                text("SELECT to_tsquery('simple'::regconfig, quote_literal(:w))::text"),
                {"w": w},
            )
            assert got == f"'{w}'", w


@postgres_only
def test_words_are_ranked_rarest_first_even_past_the_count_cap(
    store: sessionmaker[Session], words_org: str
) -> None:
    q = parse_text_query("code remote the execution kernel")
    with session_scope(store) as s:
        true_counts = {
            w: int(s.scalar(text("SELECT count(*) FROM cve_words WHERE word = :w"), {"w": w}))
            for w in ("code", "remote", "the", "execution", "kernel")
        }
        assert len(set(true_counts.values())) == 5  # distinct, so the order is defined
        expected = sorted(true_counts, key=true_counts.__getitem__)
        exact = rank_words(s, q, 10**6)
        assert exact == [(w, true_counts[w]) for w in expected]
        # Every count capped at 2: the planner's statistics (fresh, the table is
        # small enough for ANALYZE to read all of it) still order them.
        assert [w for w, _ in rank_words(s, q, 2)] == expected
        assert rank_words(s, parse_text_query("vulnerab* café"), 10) == []


def _words_by_cve(s: Session) -> set[tuple[str, str]]:
    return {(w, c) for w, c in s.execute(text("SELECT word, cve_id FROM cve_words"))}


def _words_from_descriptions(s: Session) -> set[tuple[str, str]]:
    stmt = text(
        "SELECT unnest(tsvector_to_array(to_tsvector('simple'::regconfig, description))),"
        " cve_id FROM cves"
    )
    return {(w, c) for w, c in s.execute(stmt)}


@postgres_only
def test_the_word_table_follows_inserts_updates_and_deletes(
    store: sessionmaker[Session], words_org: str, nvd_raw: list[dict[str, Any]]
) -> None:
    raw = _synthetic(nvd_raw, 3, 11)
    with session_scope(store) as s:
        store_nvd_records(s, [parse_cve(r) for r in raw], org_ids=[words_org])
        assert _words_by_cve(s) == _words_from_descriptions(s)
        ids = [r["id"] for r in raw]
        s.execute(
            update(Cve).where(Cve.cve_id == ids[0]).values(description="Zorblax overflow, zorblax.")
        )
        s.execute(delete(Cve).where(Cve.cve_id == ids[1]))
        assert _words_by_cve(s) == _words_from_descriptions(s)
        mine = {w for w, c in _words_by_cve(s) if c == ids[0]}
        assert mine == {"zorblax", "overflow"}
        assert not any(c == ids[1] for _, c in _words_by_cve(s))
    assert _pages(store, words_org, 50, None, text="zorblax")[0] == [ids[0]]


def test_refresh_statistics_runs_only_after_a_big_write(
    store: sessionmaker[Session], words_org: str
) -> None:
    bind = store.kw["bind"]
    if bind.dialect.name == "sqlite":
        with bind.begin() as c:  # the fixture analysed already: start from none
            c.execute(text("DELETE FROM sqlite_stat1"))
    assert refresh_statistics(bind, rows_written=ingest.REFRESH_AFTER_ROWS - 1) is False
    assert refresh_statistics(bind, rows_written=ingest.REFRESH_AFTER_ROWS) is True
    with bind.connect() as c:
        if bind.dialect.name == "postgresql":
            done = c.execute(
                text(
                    "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL"
                    " AND last_analyze IS NOT NULL AND relname IN ('cves', 'cve_words')"
                )
            ).all()
            assert len(done) == 2
        else:
            stat = {t for (t,) in c.execute(text("SELECT DISTINCT tbl FROM sqlite_stat1")).all()}
            # SQLite (3.40 and later at least) writes no statistics for an empty
            # table, so only the tables that hold rows can be checked.
            holding = {
                t
                for t in ingest._STAT_TABLES
                if c.execute(text(f"SELECT 1 FROM {t} LIMIT 1")).first() is not None
            }
            assert "cves" in holding
            assert holding <= stat


def test_a_recorded_run_refreshes_statistics_only_when_it_wrote_many_rows(
    store: sessionmaker[Session],
) -> None:
    with recorded_run(store, "vulns.test_small") as small:
        small.update({"added": 3, "updated": 1, "exposures": {"created": 2}})
    assert small["statistics_refreshed"] is False
    with recorded_run(store, "vulns.test_big") as big:
        big.update({"added": ingest.REFRESH_AFTER_ROWS - 10, "exposures": {"updated": 10}})
    assert big["statistics_refreshed"] is True
    with pytest.raises(RuntimeError), recorded_run(store, "vulns.test_failed") as failed:
        failed["added"] = 10**6
        raise RuntimeError("source down")
    assert "statistics_refreshed" not in failed
