"""Free-text search: the query language (pure) and the full-text index on a real store."""

from __future__ import annotations

import copy
import importlib.util
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from tests.conftest import create_org, make_migrated_engine, new_database_url
from tests.vulns.vulns_data import renamed
from threatvec.core.pagination import PageParams
from threatvec.store.engine import make_session_factory, session_scope
from threatvec.vulns import demo, service, text_search
from threatvec.vulns.ingest import store_nvd_records
from threatvec.vulns.models import Cve
from threatvec.vulns.nvd import parse_cve
from threatvec.vulns.text_search import (
    SearchTerm,
    fts5_match,
    parse_text_query,
    pg_tsquery_text,
    sqlite_rowid,
    sqlite_rowid_sql,
)

# The store-backed tests build their own database on THREATVEC_TEST_BACKEND: PostgreSQL pass too.
pytestmark = pytest.mark.db

HOSTILE = [
    '"',
    '"unclosed phrase',
    "AND OR NOT",
    "NEAR(a b)",
    "description:root",
    "^start",
    "a* * **",
    "(((",
    "' OR 1=1 --",
    "\\",
    "%_%",
    "{description}: x",
    "col:*",
    "linux & | ! <-> :*",
    "CVE-",
    "\x00\x01",
    "ü" * 300,
]


# ------------------------------------------------------------------ the query language


def test_words_phrases_prefixes_and_ids_are_recognised() -> None:
    q = parse_text_query('Remote  "path traversal" deserial* CVE-2024-1086 cve-2023-43*')
    assert q.terms == (
        SearchTerm(("remote",)),
        SearchTerm(("path", "traversal")),
        SearchTerm(("deserial",), prefix=True),
    )
    assert q.cve_ids == ("CVE-2024-1086",)
    assert q.cve_prefixes == ("CVE-2023-43",)
    assert fts5_match(q) == '"remote" AND "path traversal" AND "deserial"*'
    assert pg_tsquery_text(q) == "('remote') & ('path' <-> 'traversal') & ('deserial':*)"


def test_punctuation_splits_words_into_a_phrase() -> None:
    # "langchain-core" is the two words next to each other, as both indexes tokenise it.
    assert parse_text_query("langchain-core").terms == (SearchTerm(("langchain", "core")),)
    assert parse_text_query("nf_tables*").terms == (SearchTerm(("nf", "tables"), prefix=True),)


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_input_never_reaches_the_engines_as_syntax(raw: str) -> None:
    q = parse_text_query(raw)
    for t in q.terms:
        assert all(w.isalnum() for w in t.words)
    # Whatever is left is valid FTS5: SQLite must accept it.
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(d)")
    conn.execute("INSERT INTO t VALUES ('root start linux')")
    if q.terms:
        conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (fts5_match(q),)).fetchall()


def test_text_with_nothing_searchable_matches_nothing() -> None:
    assert parse_text_query("!!! ***").empty
    assert not parse_text_query("").empty
    assert len(parse_text_query(" ".join(f"w{i}" for i in range(40))).terms) == (
        text_search.MAX_TERMS
    )


def test_rowid_packing_is_injective_and_agrees_with_sql_and_the_migration() -> None:
    ids = ["CVE-2024-1086", "CVE-2024-01086", "CVE-2024-10860", "CVE-1999-0001", "CVE-2100-0000012"]
    packed = [sqlite_rowid(i) for i in ids]
    assert len(set(packed)) == len(ids)
    assert [text_search._rowid_to_cve(r) for r in packed] == ids
    conn = sqlite3.connect(":memory:")
    spec = importlib.util.spec_from_file_location(
        "vulns_0002",
        Path(text_search.__file__).parents[1]
        / "store/migrations/versions/vulns_0002_cve_text_search.py",
    )
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for cve_id, expected in zip(ids, packed, strict=True):
        for sql in (sqlite_rowid_sql("?"), migration._rowid("?")):
            # Same SQL in both places (the migration keeps a frozen copy).
            got = conn.execute(f"SELECT {sql.replace('?', repr(cve_id))}").fetchone()[0]
            assert got == expected


# ------------------------------------------------------------------ on a real store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    engine = make_migrated_engine(new_database_url(tmp_path_factory.mktemp("vulns-text")))
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def demo_org(store):
    org = create_org(store)
    with session_scope(store) as s:
        demo.seed(session=s, org_id=org.id)
    return org


def _ids(store, org_id: str, text: str, **kw: Any) -> list[str]:
    with session_scope(store) as s:
        rows, _ = service.list_page(
            session=s,
            org_id=org_id,
            page=PageParams(limit=100),
            filters=service.PatchFilters(text=text, scope="all", **kw),
        )
        return [r.cve_id for r in rows]


def test_words_match_whole_words_in_any_case(store, demo_org) -> None:
    assert _ids(store, demo_org.id, "REGRESSHION") == ["CVE-2024-6387"]
    assert set(_ids(store, demo_org.id, "linux kernel")) == {"CVE-2024-1086", "CVE-2023-0386"}
    # Every word must occur: "kernel" alone is in two, with "netfilter" in one.
    assert _ids(store, demo_org.id, "kernel netfilter") == ["CVE-2024-1086"]
    # Whole words only: "kern" is no word of any description.
    assert _ids(store, demo_org.id, "kern") == []


def test_prefix_phrase_and_cve_id(store, demo_org) -> None:
    assert set(_ids(store, demo_org.id, "kern*")) == {"CVE-2024-1086", "CVE-2023-0386"}
    assert set(_ids(store, demo_org.id, '"path traversal"')) == {"CVE-2024-37032"}
    assert _ids(store, demo_org.id, '"traversal path"') == []
    assert _ids(store, demo_org.id, "cve-2024-1086") == ["CVE-2024-1086"]
    assert set(_ids(store, demo_org.id, "CVE-2023-4*")) == {"CVE-2023-43654", "CVE-2023-48022"}
    assert _ids(store, demo_org.id, "CVE-2024-1086 langchain") == []
    # Several ids widen the match.
    assert set(_ids(store, demo_org.id, "CVE-2024-1086 CVE-2023-0386")) == {
        "CVE-2024-1086",
        "CVE-2023-0386",
    }


def test_text_combines_with_other_filters_and_sorts_by_priority(store, demo_org) -> None:
    with session_scope(store) as s:
        rows, _ = service.list_page(
            session=s,
            org_id=demo_org.id,
            page=PageParams(limit=100),
            filters=service.PatchFilters(text="code", scope="all"),
        )
        assert len(rows) >= 4
        prios = [r.priority for r in rows]
        assert prios == sorted(prios, reverse=True)
    assert set(_ids(store, demo_org.id, "root", technology="linux")) == {
        "CVE-2024-1086",
        "CVE-2023-0386",
    }


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_text_is_a_200_not_a_500(api, raw: str) -> None:
    r = api.get("/patches", params={"text": raw[:200], "scope": "all"})
    assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def many_org(store, nvd_raw):
    """An org seeing the 66 real NVD records five times over (330 CVEs, many shared words)."""
    org = create_org(store)
    with session_scope(store) as s:
        for _ in range(5):
            store_nvd_records(s, [parse_cve(r) for r in renamed(nvd_raw)], org_ids=[org.id])
    return org


def _pages(store, org_id: str, limit: int, **kw: Any) -> list[str]:
    """Every page of the list, followed through its cursors."""
    out: list[str] = []
    cursor = None
    sort = kw.pop("sort", None)
    with session_scope(store) as s:
        while True:
            rows, cursor = service.list_page(
                session=s,
                org_id=org_id,
                page=PageParams(limit=limit, cursor=cursor, sort=sort),
                filters=service.PatchFilters(scope="all", **kw),
            )
            out += [r.cve_id for r in rows]
            if cursor is None:
                return out


def _reference(store, org_id: str, words: list[str], phrase: bool, **kw: Any) -> list[str]:
    """The same list filtered in Python: whole words (or the phrase) in the description."""
    with session_scope(store) as s:
        descriptions = {c: d for c, d in s.execute(select(Cve.cve_id, Cve.description))}
    keep = []
    for cve_id in _pages(store, org_id, 500, **kw):
        tokens = [t.lower() for t in re.findall(r"[^\W_]+", descriptions[cve_id])]
        if phrase:
            n = len(words)
            hit = any(tokens[i : i + n] == words for i in range(len(tokens) - n + 1))
        else:
            hit = all(w in tokens for w in words)
        if hit:
            keep.append(cve_id)
    return keep


PLAN_CASES = [
    ("code", {}),
    ("remote code execution", {}),
    ('"path traversal"', {}),
    ("vulnerab*", {}),
    ("kernel", {"technology": "linux"}),
    ("code", {"sort": "due"}),
    ("code", {"sort": "-published", "severity": ["CRITICAL", "HIGH"]}),
    ("allows CVE-2100*", {}),
]


@pytest.mark.parametrize(("text", "kw"), PLAN_CASES)
def test_walk_and_match_driven_plans_give_the_same_pages(
    store, many_org, monkeypatch: pytest.MonkeyPatch, text: str, kw: dict[str, Any]
) -> None:
    # From the matches: a budget of 1 never finds a page, and no count is "many".
    monkeypatch.setattr(service, "_WALK_BUDGET", 1)
    monkeypatch.setattr(service, "_SQLITE_WALK_MATCHES", 10**6)
    monkeypatch.setattr(service, "_PG_DRIVE_MATCHES", 10**6)
    driven = _pages(store, many_org.id, 7, text=text, **kw)
    # Every count is "many" on PostgreSQL: the budgeted walk first, then the
    # walk against the hashed matches; on SQLite the budgeted walk alone.
    monkeypatch.setattr(service, "_PG_DRIVE_MATCHES", 0)
    monkeypatch.setattr(service, "_WALK_BUDGET", 10**6)
    walked = _pages(store, many_org.id, 7, text=text, **kw)
    monkeypatch.setattr(service, "_WALK_BUDGET", 12)
    mixed = _pages(store, many_org.id, 7, text=text, **kw)
    # The walk against the match set (SQLite: "many" matches; PostgreSQL:
    # after a budget of 1 finds nothing).
    monkeypatch.setattr(service, "_SQLITE_WALK_MATCHES", 0)
    monkeypatch.setattr(service, "_WALK_BUDGET", 1)
    unbounded = _pages(store, many_org.id, 7, text=text, **kw)
    assert driven, text
    assert driven == walked == mixed == unbounded
    assert len(set(driven)) == len(driven)


@pytest.mark.parametrize(
    ("text", "words", "phrase"),
    [
        ("code", ["code"], False),
        ("remote code execution", ["remote", "code", "execution"], False),
        ('"path traversal"', ["path", "traversal"], True),
    ],
)
def test_text_pages_equal_the_list_filtered_in_python(
    store, many_org, text: str, words: list[str], phrase: bool
) -> None:
    expected = _reference(store, many_org.id, words, phrase)
    assert expected, text
    assert _pages(store, many_org.id, 9, text=text) == expected


def test_count_matches_counts_from_the_index_up_to_the_cap(store, many_org) -> None:
    with session_scope(store) as s:
        descriptions = [d for (d,) in s.execute(select(Cve.description))]
        expected = sum("code" in re.findall(r"[^\W_]+", d.lower()) for d in descriptions)
        assert expected >= 5
        assert text_search.count_matches(s, parse_text_query("code"), 10**6) == expected
        assert text_search.count_matches(s, parse_text_query("code"), 3) == 3
        assert text_search.count_matches(s, parse_text_query("qwertyuiop"), 10) == 0
        assert text_search.count_matches(s, parse_text_query("CVE-2024-1086"), 10) == 0


def test_the_index_follows_inserts_updates_and_deletes(store, demo_org, nvd_raw) -> None:
    raw = renamed(nvd_raw[:1])[0]
    cve_id = raw["id"]
    raw["descriptions"] = [{"lang": "en", "value": "Zorblax overflow in the quuxinator."}]
    with session_scope(store) as s:
        store_nvd_records(s, [parse_cve(raw)], org_ids=[demo_org.id])
    assert _ids(store, demo_org.id, "zorblax") == [cve_id]
    newer = copy.deepcopy(raw)
    newer["lastModified"] = "2099-01-01T00:00:00.000"
    newer["descriptions"] = [{"lang": "en", "value": "Frobnicator overflow in the quuxinator."}]
    with session_scope(store) as s:
        assert store_nvd_records(s, [parse_cve(newer)], org_ids=[demo_org.id]).updated == 1
    assert _ids(store, demo_org.id, "zorblax") == []
    assert _ids(store, demo_org.id, "frobnicator quuxinator") == [cve_id]
    with session_scope(store) as s:
        s.execute(delete(Cve).where(Cve.cve_id == cve_id))
    assert _ids(store, demo_org.id, "frobnicator") == []
