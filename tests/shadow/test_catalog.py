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


def _reference_rows(shared_data: Path) -> list[dict[str, str]]:
    text = (shared_data / "shadow" / "ai_services.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_reference_list_imports_and_then_matches(shared_data: Path) -> None:
    text = (shared_data / "shadow" / "ai_services.csv").read_text(encoding="utf-8")
    reference = {row["domain"] for row in _reference_rows(shared_data)}
    items = parse_csv(text)
    assert len(items) == len(reference)
    catalog = Catalog([*builtin_catalog(), *items])
    assert all(catalog.match(d) is not None for d in reference)


def test_builtin_catalog_covers_every_reference_domain(shared_data: Path) -> None:
    """Each reference domain has its own built-in entry (not just a parent's) with its kind."""
    builtin = Catalog(builtin_catalog())
    rows = _reference_rows(shared_data)
    assert len(rows) > 100
    missing = [r["domain"] for r in rows if r["domain"] not in builtin.by_domain]
    assert missing == []
    wrong_kind = [
        r["domain"]
        for r in rows
        if builtin.by_domain[r["domain"]].kind != r["consumer_or_enterprise"]
    ]
    assert wrong_kind == []


def test_reference_domains_match_subdomains_and_never_look_alikes(shared_data: Path) -> None:
    builtin = Catalog(builtin_catalog())
    for domain in (r["domain"] for r in _reference_rows(shared_data)):
        assert builtin.match(domain).domain == domain
        sub = builtin.match(f"eu.{domain}")
        # "eu." never names its own entry, so the reference domain is the nearest parent.
        assert sub is not None and sub.domain == domain, domain
        # A name that merely ends the same is a different host: at most a catalog
        # parent of it may match (notchat.openai.com is still openai.com), never it.
        prefixed = builtin.match(f"not{domain}")
        assert prefixed is None or prefixed.domain != domain, domain
        # The real name as labels of someone else's domain matches nothing.
        for look_alike in (f"{domain}.evil.test", f"{domain.replace('.', '-')}.evil.test"):
            assert builtin.match(look_alike) is None, look_alike


@pytest.mark.parametrize(
    "host",
    ["notopenai.com", "openai.com.evil.test", "chatgpt.com.evil.test", "xchatgpt.com", "ai", ""],
)
def test_look_alikes_of_well_known_services_do_not_match(host: str) -> None:
    assert Catalog(builtin_catalog()).match(host) is None


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


def test_parse_csv_reads_any_line_end_and_rejects_broken_csv_with_a_400() -> None:
    # Old Mac line ends ("\r") were a 500 (csv.Error) found by the API fuzzer.
    items = parse_csv("domain,service,kind\rchat.example-ai.com,Example AI,consumer\r")
    assert [i.domain for i in items] == ["chat.example-ai.com"]
    # A field over the csv module's limit (131,072 characters) fits in the
    # 1 MiB body; it is the client's bad input, said so with its line.
    with pytest.raises(InvalidInput, match="not valid CSV at line 2"):
        parse_csv("domain,service\n" + '"' + "x" * 200_000 + '",y\n')


def test_parse_csv_names_the_file_line_after_blank_lines_and_quoted_line_breaks() -> None:
    # A blank line or a line break inside quotes must not shift the line the error names.
    text = (
        "domain,service,kind\n"  # 1
        "ok.ai,OK,consumer\n"  # 2
        "\n"  # 3
        'two.ai,"Two\nLines",consumer\n'  # 4-5
        "bad/path,Bad,consumer\n"  # 6
        "\n"  # 7
        "z.ai,Z,business\n"  # 8
    )
    with pytest.raises(InvalidInput) as exc:
        parse_csv(text)
    assert [e.loc for e in exc.value.errors] == [("body", "csv", 6), ("body", "csv", 8)]
