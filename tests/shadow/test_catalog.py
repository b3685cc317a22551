"""The built-in catalog, host matching and CSV parsing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from threatvec.core.errors import InvalidInput
from threatvec.shadow.catalog import (
    Catalog,
    CatalogItem,
    builtin_catalog,
    normalize_domain,
    parse_csv,
)


def test_builtin_catalog_is_large_and_clean() -> None:
    items = builtin_catalog()
    assert len(items) >= 300
    assert len({i.domain for i in items}) == len(items)
    assert {i.kind for i in items} == {"consumer", "enterprise"}
    assert all(normalize_domain(i.domain) == i.domain for i in items)


def test_reference_list_imports_and_then_matches(shared_data: Path) -> None:
    text = (shared_data / "shadow" / "ai_services.csv").read_text()
    reference = {row["domain"] for row in csv.DictReader(text.splitlines())}
    items = parse_csv(text)
    assert len(items) == len(reference)
    catalog = Catalog([*builtin_catalog(), *items])
    assert all(catalog.match(d) is not None for d in reference)
    builtin = Catalog(builtin_catalog())
    covered = sum(1 for d in reference if builtin.match(d) is not None)
    assert covered >= 0.9 * len(reference)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ChatGPT.com", "chatgpt.com"),
        ("www.claude.ai.", "claude.ai"),
        ("https://chatgpt.com", None),
        ("chatgpt.com/c/1", None),
        ("a@b.com", None),
        ("chatgpt.com:443", None),
        ("*.openai.com", None),
        ("localhost", None),
        ("", None),
    ],
)
def test_normalize_domain(value: str, expected: str | None) -> None:
    assert normalize_domain(value) == expected


def test_match_most_specific_parent() -> None:
    catalog = Catalog(
        [
            CatalogItem("openai.com", "OpenAI", "OpenAI", "api", "consumer"),
            CatalogItem("chat.openai.com", "ChatGPT", "OpenAI", "chat", "consumer"),
        ]
    )
    assert catalog.match("chat.openai.com").service == "ChatGPT"
    assert catalog.match("eu.chat.openai.com").service == "ChatGPT"
    assert catalog.match("platform.openai.com").service == "OpenAI"
    assert catalog.match("notopenai.com") is None


def test_parse_csv_reports_every_bad_line() -> None:
    items = parse_csv("domain,service,vendor,category,kind\nx.ai,X,X Inc,Chat,enterprise\n\n")
    assert items == [CatalogItem("x.ai", "X", "X Inc", "chat", "enterprise", "org")]
    with pytest.raises(InvalidInput) as exc:
        parse_csv("domain,kind\nok.ai,consumer\nbad/path,consumer\nz.ai,business\n")
    assert [e.loc for e in exc.value.errors] == [("body", "csv", 3), ("body", "csv", 4)]
    with pytest.raises(InvalidInput):
        parse_csv("service,vendor\nX,Y\n")
