from __future__ import annotations

import json
from typing import Any

import pytest

from threatvec.vulns.nvd import CveRecord, parse_cve
from threatvec.vulns.osv import OsvAdvisory
from threatvec.vulns.stack import (
    TECH_STACK_TEMPLATE_CSV,
    StackEntry,
    StackFileError,
    StackFileTooLarge,
    VersionRange,
    _name_pattern,
    match_stack,
    normalize_name,
    parse_cyclonedx,
    parse_requirements,
    parse_stack_csv,
)


@pytest.fixture(scope="module")
def recs(nvd_raw: list[dict[str, Any]]) -> dict[str, CveRecord]:
    return {c["id"]: parse_cve(c) for c in nvd_raw}


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("PyTorch", "torch"),
        ("postgres", "postgresql"),
        ("sklearn", "scikit-learn"),
        ("Llama_Index", "llama-index"),
        ("langchain_experimental", "langchain-experimental"),
        ("httpd", "apache-http-server"),
        ("Linux Kernel", "linux"),
        ("Jupyter_Server", "jupyter-server"),
    ],
)
def test_aliases(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


# --------------------------------------------------------------------------- CSV


def test_template_parses_cleanly() -> None:
    result = parse_stack_csv(TECH_STACK_TEMPLATE_CSV)
    assert result.ok and len(result.entries) == 3  # the help page's three example rows
    assert result.entries[0] == StackEntry(
        "postgresql", "16.2", "PostgreSQL Global Development Group", 3, "csv", None, 2
    )


def test_csv_row_errors_have_line_numbers() -> None:
    data = (
        "technology,version,vendor,asset_count\n"  # 1
        "torch,2.5.1,Meta,3\n"  # 2 ok
        ",1.0,,\n"  # 3 no technology
        "redis,not a version,,\n"  # 4 bad version
        "nginx,1.25.3,,-4\n"  # 5 bad asset count
        '"multi\nline",1.0,,\n'  # 6-7 control character (quoted newline)
        "torch,2.5.1,meta,9\n"  # 8 duplicate of line 2
        "openssl,3.0.7,,2,extra\n"  # 9 too many cells
        "\n"  # 10 blank: ignored
        "postgres,15.3,,\n"  # 11 ok
    )
    result = parse_stack_csv(data)
    assert [e.technology for e in result.entries] == ["torch", "postgres"]
    assert result.entries[1].line == 11
    errors = [(e.line, e.reason) for e in result.errors]
    assert [line for line, _ in errors] == [3, 4, 5, 7, 8, 9]
    reasons = dict(errors)
    assert "technology is empty" in reasons[3]
    assert "not a version" in reasons[4]
    assert "asset_count" in reasons[5]
    assert "control" in reasons[7]
    assert "duplicate of line 2" in reasons[8]
    assert "cells" in reasons[9]


def test_csv_only_technology_column_needed_and_bom_ok() -> None:
    result = parse_stack_csv("\ufefftechnology\nlangchain\n".encode())
    assert result.ok and result.entries[0].version is None


@pytest.mark.parametrize(
    "header",
    ["Technology,Version,Vendor,Asset Count", "technology,version,vendor,asset-count"],
)
def test_csv_header_as_a_spreadsheet_writes_it(header: str) -> None:
    # "Asset Count" is how a spreadsheet titles the column; the whole file used
    # to be refused with "unknown column(s): asset count".
    result = parse_stack_csv(f"{header}\nredis,7.2.4,Redis Ltd,2\n")
    assert result.ok and result.entries[0].asset_count == 2


@pytest.mark.parametrize("sep", [";", "\t"])
def test_csv_semicolon_or_tab_separated(sep: str) -> None:
    # Spreadsheets in comma-decimal locales save "CSV" with semicolons; that
    # used to be "header has no 'technology' column" although it has one.
    text = sep.join(["technology", "version", "vendor", "asset_count"]) + "\n"
    text += sep.join(["postgresql", "16.2", "PostgreSQL Global Development Group, Inc", "3"])
    result = parse_stack_csv(text + "\n")
    assert result.ok
    e = result.entries[0]
    assert (e.technology, e.version, e.vendor, e.asset_count) == (
        "postgresql",
        "16.2",
        "PostgreSQL Global Development Group, Inc",
        3,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"name;version\nx;1\n", "technology"),
        (b"name,version\nx,1\n", "technology"),
        (b"technology,colour\nx,red\n", "unknown column"),
        (b"technology,technology\nx,y\n", "twice"),
        (b"\xff\xfetechnology\n", "UTF-8"),
    ],
)
def test_csv_file_errors(data: bytes, message: str) -> None:
    with pytest.raises(StackFileError, match=message):
        parse_stack_csv(data)


def test_csv_limits() -> None:
    with pytest.raises(StackFileTooLarge):
        parse_stack_csv("technology\n" + "x\n" * 100, max_bytes=50)
    rows = "technology\n" + "".join(f"pkg{i}\n" for i in range(11))
    with pytest.raises(StackFileTooLarge, match="rows"):
        parse_stack_csv(rows, max_rows=10)
    assert len(parse_stack_csv(rows, max_rows=11).entries) == 11


# --------------------------------------------------------------------------- CycloneDX


def test_cyclonedx_components_nested_and_deduplicated() -> None:
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "metadata": {"component": {"type": "application", "name": "chatbot", "version": "1.0"}},
        "components": [
            {
                "type": "library",
                "name": "torch",
                "version": "2.5.1",
                "purl": "pkg:pypi/torch@2.5.1",
            },
            {
                "type": "library",
                "group": "org.apache",
                "name": "log4j-core",
                "version": "2.14.1",
                "components": [{"type": "library", "name": "langchain", "version": "0.1.10"}],
            },
            {"type": "library", "version": "1.0"},
            {"type": "library", "name": "torch", "version": "2.5.1"},
        ],
    }
    result = parse_cyclonedx(json.dumps(sbom))
    names = [(e.technology, e.version) for e in result.entries]
    assert names == [
        ("chatbot", "1.0"),
        ("torch", "2.5.1"),
        ("log4j-core", "2.14.1"),
        ("langchain", "0.1.10"),
    ]
    assert result.entries[1].purl == "pkg:pypi/torch@2.5.1"
    assert result.entries[2].vendor == "org.apache"
    assert [(e.location, e.reason) for e in result.errors] == [
        ("components[2]", "component has no name")
    ]


def test_cyclonedx_version_that_is_not_a_string_is_reported_not_dropped() -> None:
    # A JSON number loses its text (2.10 reads 2.1); stored without a version it matched
    # no CVE range and nothing said so. null is the same as no version.
    sbom = {
        "bomFormat": "CycloneDX",
        "components": [
            {"name": "transformers", "version": 4.3},
            {"name": "torch", "version": "2.5.1"},
            {"name": "numpy", "version": True},
            {"name": "requests", "version": None},
            {"name": "langchain", "version": ["0.1"]},
        ],
    }
    result = parse_cyclonedx(sbom)
    assert [(e.technology, e.version) for e in result.entries] == [
        ("torch", "2.5.1"),
        ("requests", None),
    ]
    assert [(e.location, e.reason) for e in result.errors] == [
        ("components[0]", "version must be a string, not a number"),
        ("components[2]", "version must be a string, not a bool"),
        ("components[4]", "version must be a string, not a list"),
    ]


def test_cyclonedx_refuses_other_json() -> None:
    with pytest.raises(StackFileError, match="CycloneDX"):
        parse_cyclonedx(b'{"spdxVersion": "SPDX-2.3"}')
    with pytest.raises(StackFileError, match="not JSON"):
        parse_cyclonedx(b"{")


# --------------------------------------------------------------------------- requirements


def test_requirements_and_pip_freeze() -> None:
    text = (
        "# pinned\n"
        "torch==2.5.1\n"
        "langchain[openai]==0.1.10 ; python_version >= '3.9'\n"
        "requests>=2.31\n"
        "-r other.txt\n"
        "--index-url https://example.test/simple\n"
        "mlflow==2.9.2 \\\n"
        "    --hash=sha256:abc\n"
        "ollama @ git+https://example.test/ollama.git\n"
        "!!!bad line\n"
        "Torch==2.0\n"
    )
    result = parse_requirements(text)
    got = [(e.technology, e.version, e.line) for e in result.entries]
    assert got == [
        ("torch", "2.5.1", 2),
        ("langchain", "0.1.10", 3),
        ("requests", None, 4),
        ("mlflow", "2.9.2", 7),
        ("ollama", None, 9),
    ]
    assert [(e.line, e.reason[:16]) for e in result.errors] == [
        (10, "not a requiremen"),
        (11, "Torch is listed "),
    ]


# --------------------------------------------------------------------------- matching


def test_match_version_in_range_outside_and_unknown(recs: dict[str, CveRecord]) -> None:
    cve = recs["CVE-2025-32434"]  # PyTorch < 2.6.0
    hit = match_stack(cve, [StackEntry("pytorch", "2.5.1")])
    assert hit.level == "version_in_range" and hit.share == 1.0
    assert hit.entry is not None and hit.entry.technology == "pytorch"
    assert "2.5.1" in hit.reason and "< 2.6.0" in hit.reason
    assert hit.matched_on and "linuxfoundation:pytorch" in hit.matched_on
    out = match_stack(cve, [StackEntry("torch", "2.6.0")])
    assert out.level == "version_outside" and out.share == 0.0 and not out.matched
    unknown = match_stack(cve, [StackEntry("torch")])
    assert unknown.level == "version_unknown" and 0 < unknown.share < 1
    none = match_stack(cve, [StackEntry("redis", "7.2")])
    assert none.level == "none" and none.entry is None


def test_match_kernel_ranges(recs: dict[str, CveRecord]) -> None:
    cve = recs["CVE-2024-1086"]  # linux_kernel 6.1 <= v < 6.1.76, among others
    assert match_stack(cve, [StackEntry("Linux Kernel", "6.1.70")]).level == "version_in_range"
    assert match_stack(cve, [StackEntry("linux", "6.1.76")]).level == "version_outside"
    assert match_stack(cve, [StackEntry("linux", "6.8-rc1")]).level == "version_in_range"
    assert match_stack(cve, [StackEntry("linux", "3.14")]).level == "version_outside"


def test_best_entry_wins(recs: dict[str, CveRecord]) -> None:
    cve = recs["CVE-2024-1086"]
    stack = [
        StackEntry("linux", "6.7.3", asset_count=50),
        StackEntry("linux", "6.6.1", asset_count=3),
        StackEntry("postgresql", "15.3"),
    ]
    hit = match_stack(cve, stack)
    assert hit.level == "version_in_range" and hit.entry is stack[1]


def test_description_match_scales_to_a_full_stack(recs: dict[str, CveRecord]) -> None:
    # Every CVE without a CPE is checked against every entry; the name pattern
    # was compiled per (CVE, entry) pair, so importing 10,000 entries took 18 s
    # on the server with 18 such CVEs (and grew with each "Awaiting Analysis" CVE).
    waiting = [c for c in recs.values() if not list(c.cpe_matches(vulnerable_only=True))]
    assert len(waiting) >= 10
    stack = [StackEntry(f"library{i}", f"1.{i}.0") for i in range(10_000)]
    stack.append(StackEntry("ollama", "0.1.30"))
    # What made it slow is counted, not timed: a pattern per name, never per pair.
    _name_pattern.cache_clear()
    levels = [match_stack(cve, stack).level for cve in waiting]
    compiled = _name_pattern.cache_info().misses
    levels += [match_stack(cve, stack).level for cve in waiting]
    assert "version_in_range" in levels  # the Ollama CVE is still found from its description
    assert _name_pattern.cache_info().misses == compiled  # the second pass compiled nothing
    assert compiled <= len({e.name for e in stack})


def test_awaiting_analysis_uses_description(recs: dict[str, CveRecord]) -> None:
    cve = recs["CVE-2024-37032"]  # "Ollama before 0.1.34", no CPE yet
    assert match_stack(cve, [StackEntry("ollama", "0.1.30")]).level == "version_in_range"
    assert match_stack(cve, [StackEntry("ollama", "0.1.34")]).level == "version_outside"
    assert match_stack(cve, [StackEntry("ollama")]).level == "version_unknown"
    through = recs["CVE-2024-28088"]  # "LangChain through 0.1.10"
    assert match_stack(through, [StackEntry("langchain", "0.1.10")]).level == "version_in_range"
    assert match_stack(through, [StackEntry("langchain", "0.1.11")]).level == "version_outside"


def test_osv_ranges_used_when_given(
    pypa_advisories: list[OsvAdvisory], recs: dict[str, CveRecord]
) -> None:
    adv = next(a for a in pypa_advisories if "CVE-2023-2780" in a.cve_ids)
    ranges = [r for aff in adv.affected for r in aff.version_ranges()]
    cve = recs["CVE-2023-2780"]  # mlflow, "Received": no CPE
    hit = match_stack(cve, [StackEntry("mlflow", "2.3.0")], osv_ranges=ranges)
    assert hit.level == "version_in_range" and hit.matched_on == "osv:mlflow"
    assert (
        match_stack(cve, [StackEntry("mlflow", "2.3.1")], osv_ranges=ranges).level
        == "version_outside"
    )
    explicit = VersionRange("gradio", (), ("3.0.1",))
    assert (
        match_stack(
            recs["CVE-2024-1561"], [StackEntry("gradio", "3.0.1")], osv_ranges=[explicit]
        ).level
        == "version_in_range"
    )


def test_common_words_never_match_from_prose(recs: dict[str, CveRecord]) -> None:
    # "LangChain ... final part of the path parameter ... requests" must not match "requests".
    cve = recs["CVE-2024-28088"]
    assert match_stack(cve, [StackEntry("requests", "2.31.0")]).level == "none"


def test_github_repository_form_matches_from_the_description(
    recs: dict[str, CveRecord],
) -> None:
    # huntr, the CNA behind most AI-library CVEs, writes "GitHub repository
    # owner/repo prior to X". Awaiting analysis (no CPE), such a CVE matched no
    # stack entry: the name after "/" was skipped, and "transformers" is a
    # common word in prose. A stack with transformers 4.30.0 got 0 stack points
    # for CVE-2023-6730 ("huggingface/transformers prior to 4.36").
    cve = recs["CVE-2023-6730"]
    hit = match_stack(cve, [StackEntry("transformers", "4.30.0")])
    assert hit.level == "version_in_range" and "before 4.36" in hit.reason
    assert match_stack(cve, [StackEntry("transformers", "4.36.0")]).level == "version_outside"
    gradio = recs["CVE-2024-1561"]  # "An issue was discovered in gradio-app/gradio, where ..."
    assert match_stack(gradio, [StackEntry("gradio", "3.40.0")]).level == "name_only"
    litellm = recs["CVE-2024-2952"]  # "BerriAI/litellm is vulnerable to ..."
    assert match_stack(litellm, [StackEntry("litellm", "1.34.0")]).level == "name_only"


def test_path_segments_and_bare_common_words_still_do_not_match(
    recs: dict[str, CveRecord],
) -> None:
    # An endpoint path ("/api/v1/validate/code") is not an owner/repo name; a
    # common word proves nothing bare, nor after a slash ("client/server")
    # unless the text calls it a repository.
    cve = parse_cve(
        {
            **_awaiting_analysis_record(),
            "descriptions": [
                {
                    "lang": "en",
                    "value": "Code injection in the /api/v1/validate/completions endpoint "
                    "of transformers before 9.0 lets a client/server attacker run code.",
                }
            ],
        }
    )
    stack = [
        StackEntry("completions", "1.0"),
        StackEntry("transformers", "4.30.0"),
        StackEntry("server", "1.0"),
    ]
    assert match_stack(cve, stack).level == "none"


def _awaiting_analysis_record() -> dict[str, Any]:
    return {
        "id": "CVE-2099-0001",
        "published": "2024-01-01T00:00:00.000",
        "lastModified": "2024-01-01T00:00:00.000",
        "vulnStatus": "Awaiting Analysis",
        "descriptions": [],
        "metrics": {},
    }


def test_description_less_than_bound(recs: dict[str, CveRecord]) -> None:
    # "TensorFlow's Keras framework (<2.13)": the "<" bound never matched (it
    # needed a word character right before it), so keras 2.12.0 got the
    # name-only 15 points instead of 30, and keras 2.13.1 got 15 instead of 0.
    cve = recs["CVE-2024-3660"]
    hit = match_stack(cve, [StackEntry("keras", "2.12.0")])
    assert hit.level == "version_in_range" and "before 2.13" in hit.reason
    assert match_stack(cve, [StackEntry("keras", "2.13.1")]).level == "version_outside"
    spaced = parse_cve(
        {
            **_awaiting_analysis_record(),
            "descriptions": [{"lang": "en", "value": "Ollama < 0.1.34 and ollama <= 0.2 leak."}],
        }
    )
    assert match_stack(spaced, [StackEntry("ollama", "0.1.33")]).level == "version_in_range"
    assert match_stack(spaced, [StackEntry("ollama", "0.1.34")]).level == "version_outside"
    inclusive = parse_cve(
        {
            **_awaiting_analysis_record(),
            "descriptions": [{"lang": "en", "value": "Gradio <=4.1.0 runs code."}],
        }
    )
    hit = match_stack(inclusive, [StackEntry("gradio", "4.1.0")])
    assert hit.level == "version_in_range" and "through 4.1.0" in hit.reason


def test_pip_freeze_editable_installs_are_kept_or_reported() -> None:
    # pip freeze writes a package installed from a VCS checkout as
    # "-e git+https://...@sha#egg=name": the line was dropped as an option, so
    # that package silently left the stack with no rejected row to say so.
    text = (
        "-e git+https://github.com/gradio-app/gradio.git@abc123#egg=gradio\n"
        "--editable git+https://example.test/x.git@1#egg=Llama_Index&subdirectory=py\n"
        "-e /home/me/src/checkout\n"
        "-r other.txt\n"
        "torch==2.5.1\n"
    )
    result = parse_requirements(text)
    got = [(e.technology, e.version, e.line) for e in result.entries]
    assert got == [("gradio", None, 1), ("Llama_Index", None, 2), ("torch", "2.5.1", 5)]
    assert [(e.line, e.reason) for e in result.errors] == [
        (3, "editable install without an #egg= name: '/home/me/src/checkout'")
    ]
