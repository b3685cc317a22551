"""The organisation's tech stack: parsing it, and matching a CVE against it.

Inputs (each returns good entries *and* per-row errors, so a caller can
import the good rows, or nothing with ``strict``):

* CSV ``technology,version,vendor,asset_count`` (``technology`` required) —
  :func:`parse_stack_csv`; :data:`TECH_STACK_TEMPLATE_CSV` is the template.
* CycloneDX JSON SBOM ``components`` (nested ones too) — :func:`parse_cyclonedx`.
* ``requirements.txt`` / ``pip freeze`` — :func:`parse_requirements`.

Whole-input problems (too large, not UTF-8, no ``technology`` column, too
many rows) raise :class:`StackFileError`; ``StackFileTooLarge`` is its
subclass for size limits so an API can answer 413.

Matching (:func:`match_stack`) is version-aware; the levels, best first:

=================  =======================================================  ======
level              when                                                     share
=================  =======================================================  ======
version_in_range   entry's version is inside a CPE (or OSV) affected range  1.0
version_unknown    name matches, the entry has no (parseable) version       0.6
name_only          name matches, the CVE gives no usable version range      0.5
version_outside    name matches, version is outside every range             0.0
none               no stack entry has this product                          0.0
=================  =======================================================  ======

The priority's stack component is ``30 × share`` (see priority.py).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Literal

from threatvec.vulns.nvd import CpeMatch, CveRecord
from threatvec.vulns.versions import cpe_range_contains, osv_events_contain, parse_version

__all__ = [
    "MATCH_SHARE",
    "MAX_STACK_BYTES",
    "MAX_STACK_ROWS",
    "TECH_STACK_TEMPLATE_CSV",
    "MatchLevel",
    "RowError",
    "StackEntry",
    "StackFileError",
    "StackFileTooLarge",
    "StackMatch",
    "StackParseResult",
    "VersionRange",
    "cpe_names",
    "csv_delimiter",
    "index_stack",
    "match_stack",
    "normalize_name",
    "parse_cyclonedx",
    "parse_requirements",
    "parse_stack_csv",
]

MAX_STACK_BYTES = 2 * 1024 * 1024
MAX_STACK_ROWS = 10_000
_MAX_FIELD = 200
_MAX_ASSETS = 10_000_000
_CSV_COLUMNS = ("technology", "version", "vendor", "asset_count")

# The help page's "CSV format" example row for row: the page tells users to
# download this file, so what they get must be what the page shows.
TECH_STACK_TEMPLATE_CSV = (
    "technology,version,vendor,asset_count\n"
    "postgresql,16.2,PostgreSQL Global Development Group,3\n"
    "redis,7.2.4,Redis Ltd,2\n"
    "langchain,0.2.1,LangChain Inc,2\n"
)

MatchLevel = Literal["version_in_range", "version_unknown", "name_only", "version_outside", "none"]

#: Share of the stack component each level earns (priority = 30 × share).
MATCH_SHARE: Mapping[str, float] = {
    "version_in_range": 1.0,
    "version_unknown": 0.6,
    "name_only": 0.5,
    "version_outside": 0.0,
    "none": 0.0,
}
_LEVEL_ORDER = ("version_in_range", "version_unknown", "name_only", "version_outside", "none")


class StackFileError(ValueError):
    """The whole input is unusable; the message says why."""


class StackFileTooLarge(StackFileError):
    """The input is over a size or row limit."""


@dataclass(frozen=True)
class StackEntry:
    """One technology the organisation runs."""

    technology: str
    version: str | None = None
    vendor: str | None = None
    asset_count: int | None = None
    source: str = "csv"  # csv | cyclonedx | requirements | manual
    purl: str | None = None
    line: int | None = None  # where it came from in the input, for messages

    @cached_property
    def name(self) -> str:
        """The normalised name used for matching (aliases applied).

        Cached: matching reads it for every (CVE, entry) pair.
        """
        return normalize_name(self.technology)


@dataclass(frozen=True)
class RowError:
    """A rejected row: its line number (or location) and the reason."""

    line: int | None
    reason: str
    location: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "location": self.location, "reason": self.reason}


@dataclass
class StackParseResult:
    entries: list[StackEntry] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------------- names

# Every spelling on the left means the name on the right. Keys and values are
# already in normal form (lower case, runs of space/_/. -> "-").
_ALIASES: Mapping[str, str] = {
    "pytorch": "torch",
    "py-torch": "torch",
    "postgres": "postgresql",
    "pgsql": "postgresql",
    "psql": "postgresql",
    "sklearn": "scikit-learn",
    "scikitlearn": "scikit-learn",
    "tensorflow-gpu": "tensorflow",
    "tensorflow-cpu": "tensorflow",
    "tf-nightly": "tensorflow",
    "linux-kernel": "linux",
    "kernel": "linux",
    "linux-os": "linux",
    "httpd": "apache-http-server",
    "apache-httpd": "apache-http-server",
    "apache2": "apache-http-server",
    "http-server": "apache-http-server",
    "apache": "apache-http-server",
    "llamaindex": "llama-index",
    "llama-index-core": "llama-index",
    "langchain-experimental": "langchain-experimental",
    "jupyter-notebook": "notebook",
    "jupyter-server": "jupyter-server",
    "nodejs": "node",
    "node-js": "node",
    "k8s": "kubernetes",
    "mongo": "mongodb",
    "redis-server": "redis",
    "openssh-server": "openssh",
    "openssl-libs": "openssl",
    "libssl": "openssl",
    "pil": "pillow",
    "pyyaml": "pyyaml",
    "jinja": "jinja2",
    "opencv-python": "opencv",
    "opencv-python-headless": "opencv",
    "mlflow-skinny": "mlflow",
    "onnx-runtime": "onnxruntime",
    "ray-project": "ray",
    "anyscale-ray": "ray",
    "hf-transformers": "transformers",
    "huggingface-transformers": "transformers",
    "elastic-search": "elasticsearch",
    "microsoft-sql-server": "sql-server",
    "mssql": "sql-server",
    "xz-utils": "xz",
    "open-webui": "open-webui",
    "openwebui": "open-webui",
}

# CPE vendor:product whose product field alone would not give the stack name.
_CPE_NAMES: Mapping[tuple[str, str], str] = {
    ("linux", "linux_kernel"): "linux",
    ("apache", "http_server"): "apache-http-server",
    ("palletsprojects", "jinja"): "jinja2",
    ("f5", "nginx"): "nginx",
    ("nodejs", "node.js"): "node",
    ("linuxfoundation", "pytorch"): "torch",
    ("lightningai", "pytorch_lightning"): "pytorch-lightning",
    ("jupyter", "notebook"): "notebook",
    ("llamaindex", "llamaindex"): "llama-index",
    ("microsoft", "onnx_runtime"): "onnxruntime",
    ("microsoft", "sql_server"): "sql-server",
    ("tukaani", "xz"): "xz",
    ("openbsd", "openssh"): "openssh",
    ("h2o", "h2o"): "h2o",
    ("anyscale", "ray"): "ray",
}


def normalize_name(name: str) -> str:
    """Lower case, separators folded to ``-``, aliases applied (pytorch -> torch)."""
    n = re.sub(r"[\s_.]+", "-", name.strip().lower())
    n = re.sub(r"-+", "-", n).strip("-")
    return _ALIASES.get(n, n)


def cpe_names(vendor: str, product: str) -> set[str]:
    """Stack names a CPE vendor/product can mean (normalised)."""
    names = {normalize_name(product)}
    special = _CPE_NAMES.get((vendor.lower(), product.lower()))
    if special:
        names.add(special)
    return names


# --------------------------------------------------------------------------- CSV


def _decode(data: bytes | str, max_bytes: int) -> str:
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise StackFileTooLarge(f"file is {len(raw)} bytes; the limit is {max_bytes}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StackFileError(f"file is not UTF-8 (byte {exc.start})") from exc


_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def _clean_text(value: str, column: str) -> tuple[str | None, str | None]:
    """(cleaned value, error). Control characters and over-long cells are refused."""
    v = value.strip()
    if not v:
        return None, None
    if len(v) > _MAX_FIELD:
        return None, f"{column} is longer than {_MAX_FIELD} characters"
    # One regex scan instead of a Python loop per character (30,000 cells in a full stack).
    if _CONTROL_CHARS.search(v):
        return None, f"{column} contains control characters"
    return v, None


def csv_delimiter(header_line: str) -> str:
    """The header's separator: comma, else semicolon or tab.

    Spreadsheets in comma-decimal locales save "CSV" with semicolons, and
    some exports use tabs; column names never contain either, so the header
    line tells which one the file uses.
    """
    if "," in header_line:
        return ","
    for sep in (";", "\t"):
        if sep in header_line:
            return sep
    return ","


def _column_key(header_cell: str) -> str:
    """A header cell as a column name: "Asset Count" / "asset-count" -> asset_count."""
    return re.sub(r"[\s-]+", "_", header_cell.strip().lower())


def parse_stack_csv(
    data: bytes | str, *, max_bytes: int = MAX_STACK_BYTES, max_rows: int = MAX_STACK_ROWS
) -> StackParseResult:
    """Parse a tech-stack CSV; bad rows are reported with their line number."""
    text = _decode(data, max_bytes)
    sep = csv_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        header = next(reader)
    except StopIteration:
        raise StackFileError("file is empty; expected a header row") from None
    except csv.Error as exc:
        raise StackFileError(f"line 1: {exc}") from exc
    columns = [_column_key(h) for h in header]
    if "technology" not in columns:
        raise StackFileError(
            "header has no 'technology' column (expected technology,version,vendor,asset_count)"
        )
    unknown = [c for c in columns if c and c not in _CSV_COLUMNS]
    if unknown:
        raise StackFileError(f"unknown column(s): {', '.join(unknown[:5])}")
    if len(set(columns)) != len(columns):
        raise StackFileError("a column appears twice in the header")
    index = {c: i for i, c in enumerate(columns)}
    result = StackParseResult()
    seen: dict[tuple[str, str | None, str | None], int] = {}
    rows = 0
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.errors.append(RowError(line, f"malformed CSV: {exc}"))
            break
        line = reader.line_num  # the row's last physical line (quoted newlines)
        if not any(cell.strip() for cell in row):
            continue
        rows += 1
        if rows > max_rows:
            raise StackFileTooLarge(f"more than {max_rows} rows")
        if len(row) > len(columns):
            result.errors.append(
                RowError(line, f"{len(row)} cells but the header has {len(columns)} columns")
            )
            continue

        def cell(name: str, row: list[str] = row) -> str:
            i = index.get(name)
            return row[i] if i is not None and i < len(row) else ""

        tech, err = _clean_text(cell("technology"), "technology")
        if err is None and tech is None:
            err = "technology is empty"
        version, verr = _clean_text(cell("version"), "version")
        vendor, derr = _clean_text(cell("vendor"), "vendor")
        err = err or verr or derr
        if (
            err is None
            and version is not None
            and (" " in version or parse_version(version) is None)
        ):
            err = f"version {version[:40]!r} is not a version number"
        assets: int | None = None
        raw_assets = cell("asset_count").strip()
        if err is None and raw_assets:
            if not re.fullmatch(r"\d{1,9}", raw_assets) or int(raw_assets) > _MAX_ASSETS:
                err = f"asset_count {raw_assets[:20]!r} is not a whole number 0-{_MAX_ASSETS}"
            else:
                assets = int(raw_assets)
        if err is not None or tech is None:
            result.errors.append(RowError(line, err or "technology is empty"))
            continue
        key = (normalize_name(tech), version, vendor.lower() if vendor else None)
        if key in seen:
            result.errors.append(RowError(line, f"duplicate of line {seen[key]}"))
            continue
        seen[key] = line
        result.entries.append(StackEntry(tech, version, vendor, assets, "csv", None, line))
    return result


# --------------------------------------------------------------------------- CycloneDX


def parse_cyclonedx(
    data: bytes | str | Mapping[str, Any],
    *,
    max_bytes: int = MAX_STACK_BYTES,
    max_rows: int = MAX_STACK_ROWS,
) -> StackParseResult:
    """Entries from a CycloneDX JSON SBOM's components (nested components included)."""
    if isinstance(data, Mapping):
        doc: Any = data
    else:
        try:
            doc = json.loads(_decode(data, max_bytes))
        except json.JSONDecodeError as exc:
            raise StackFileError(f"not JSON: line {exc.lineno}: {exc.msg}") from exc
    if not isinstance(doc, Mapping) or doc.get("bomFormat") != "CycloneDX":
        raise StackFileError("not a CycloneDX JSON SBOM (bomFormat must be 'CycloneDX')")
    result = StackParseResult()
    stack: list[tuple[str, Any]] = []
    comps = doc.get("components", [])
    if not isinstance(comps, list):
        raise StackFileError("components must be a list")
    meta = doc.get("metadata")
    if isinstance(meta, Mapping) and isinstance(meta.get("component"), Mapping):
        stack.append(("metadata.component", meta["component"]))
    stack.extend((f"components[{i}]", c) for i, c in enumerate(comps))
    seen: set[tuple[str, str | None]] = set()
    count = 0
    while stack:
        where, comp = stack.pop(0)
        count += 1
        if count > max_rows:
            raise StackFileTooLarge(f"more than {max_rows} components")
        if not isinstance(comp, Mapping):
            result.errors.append(RowError(None, "component is not an object", where))
            continue
        children = comp.get("components")
        if isinstance(children, list):
            stack.extend((f"{where}.components[{i}]", c) for i, c in enumerate(children))
        name_val = comp.get("name")
        if not isinstance(name_val, str):
            result.errors.append(RowError(None, "component has no name", where))
            continue
        name, err = _clean_text(name_val, "name")
        version_val = comp.get("version")
        if version_val is not None and not isinstance(version_val, str):
            # A number loses its text (2.10 reads 2.1); kept without a version it
            # silently matched no CVE range. The spec says a string: say so.
            kind = type(version_val).__name__.replace("float", "number").replace("int", "number")
            result.errors.append(RowError(None, f"version must be a string, not a {kind}", where))
            continue
        version, verr = (
            _clean_text(version_val, "version") if isinstance(version_val, str) else (None, None)
        )
        group_val = comp.get("group") or comp.get("publisher")
        group = _clean_text(group_val, "group")[0] if isinstance(group_val, str) else None
        if err or verr or name is None:
            result.errors.append(RowError(None, err or verr or "component name is empty", where))
            continue
        purl = comp.get("purl") if isinstance(comp.get("purl"), str) else None
        key = (normalize_name(name), version)
        if key in seen:
            continue  # SBOMs repeat a component under several parents
        seen.add(key)
        result.entries.append(StackEntry(name, version, group, None, "cyclonedx", purl))
    return result


# --------------------------------------------------------------------------- requirements

_REQ = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*"
    r"(?P<rest>(?:@\s*\S+)|(?:[<>=!~].*))?$"
)


def parse_requirements(
    data: bytes | str, *, max_bytes: int = MAX_STACK_BYTES, max_rows: int = MAX_STACK_ROWS
) -> StackParseResult:
    """Entries from ``requirements.txt`` or ``pip freeze`` output.

    ``name==1.2`` (or ``===``) gives a version; any other specifier
    (``>=``, ``~=``, ``@ url``) gives the name with no version, because the
    installed version is not known.
    """
    text = _decode(data, max_bytes)
    result = StackParseResult()
    seen: set[str] = set()
    lines = text.splitlines()
    i = 0
    rows = 0
    while i < len(lines):
        start = i + 1
        line = lines[i]
        # Backslash continuations join physical lines (pip's own rule).
        while line.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line.rstrip()[:-1] + " " + lines[i]
        i += 1
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        editable = re.match(r"(?:-e|--editable)(?:\s+|=)(\S+)", line)
        if editable:
            # pip freeze writes a VCS checkout as "-e git+...@sha#egg=name": a
            # package of the stack, not an option (it has no version to pin).
            egg = re.search(r"#egg=([A-Za-z0-9][\w.-]*)", editable.group(1))
            if egg is None:
                result.errors.append(
                    RowError(
                        start,
                        f"editable install without an #egg= name: {editable.group(1)[:60]!r}",
                    )
                )
                continue
            line = egg.group(1)
        if not line or line.startswith("-"):
            continue  # options: -r, -c, --hash, --index-url ...
        rows += 1
        if rows > max_rows:
            raise StackFileTooLarge(f"more than {max_rows} requirements")
        line = line.split(";", 1)[0].strip()  # environment markers
        line = re.sub(r"\s--hash=\S+", "", line).strip()
        m = _REQ.match(line)
        if m is None:
            result.errors.append(RowError(start, f"not a requirement: {line[:60]!r}"))
            continue
        name = m.group("name")
        rest = (m.group("rest") or "").strip()
        version: str | None = None
        pinned = re.fullmatch(r"===?\s*([^\s,]+)", rest)
        if pinned:
            version = pinned.group(1)
            if parse_version(version) is None or "*" in version:
                version = None
        if len(name) > _MAX_FIELD:
            result.errors.append(RowError(start, "package name is too long"))
            continue
        norm = normalize_name(name)
        if norm in seen:
            result.errors.append(RowError(start, f"{name} is listed twice"))
            continue
        seen.add(norm)
        result.entries.append(StackEntry(name, version, None, None, "requirements", None, start))
    return result


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class VersionRange:
    """An extra affected range for a package (from OSV), used beside the CPEs."""

    package: str
    events: tuple[Mapping[str, str], ...] = ()
    versions: tuple[str, ...] = ()  # explicitly listed affected versions
    source: str = "osv"


@dataclass(frozen=True)
class StackMatch:
    """How a CVE meets the stack: the level, the entry, and why."""

    level: MatchLevel
    reason: str
    entry: StackEntry | None = None
    matched_on: str | None = None  # the CPE criteria or "osv:<package>" that matched

    @property
    def share(self) -> float:
        return MATCH_SHARE[self.level]

    @property
    def matched(self) -> bool:
        return self.level in ("version_in_range", "version_unknown", "name_only")


def _cpe_verdict(entry: StackEntry, m: CpeMatch) -> tuple[MatchLevel, str]:
    label = f"{m.vendor}:{m.product} {m.describe_range()}"
    if not m.has_range and m.version is None:
        if entry.version:
            return "version_in_range", f"{label} (every version affected)"
        return "version_unknown", f"{label}; no version recorded for {entry.technology}"
    if not entry.version or parse_version(entry.version) is None:
        return "version_unknown", f"{label}; no usable version recorded for {entry.technology}"
    exact = m.version
    if (
        exact is not None
        and m.update
        and re.fullmatch(r"(?:rc|alpha|beta|a|b|pre|preview|dev|post|p)\d*", m.update, re.I)
    ):
        # NVD splits "6.8-rc1" into version 6.8 and update rc1; rejoin them.
        exact = f"{exact}-{m.update}"
    verdict = cpe_range_contains(
        entry.version,
        exact=exact,
        start_including=m.version_start_including,
        start_excluding=m.version_start_excluding,
        end_including=m.version_end_including,
        end_excluding=m.version_end_excluding,
    )
    if verdict is None:
        return "name_only", f"{label}; range bounds are not comparable versions"
    if verdict:
        return "version_in_range", f"{entry.technology} {entry.version} is in {label}"
    return "version_outside", f"{entry.technology} {entry.version} is outside {label}"


def _osv_verdict(entry: StackEntry, r: VersionRange) -> tuple[MatchLevel, str]:
    label = f"OSV {r.package}"
    if not entry.version or parse_version(entry.version) is None:
        return "version_unknown", f"{label} affects it; no usable version for {entry.technology}"
    if entry.version in r.versions:
        return "version_in_range", f"{entry.technology} {entry.version} is listed by {label}"
    if r.events:
        verdict = osv_events_contain(entry.version, list(r.events))
        if verdict is None:
            return "name_only", f"{label} range is not comparable"
        if verdict:
            return "version_in_range", f"{entry.technology} {entry.version} is in {label} range"
    if not r.events and not r.versions:
        return "name_only", f"{label} gives no versions"
    return "version_outside", f"{entry.technology} {entry.version} is outside {label} ranges"


# "... before 0.1.34", "prior to 2.2.1", "through 0.1.10", "0.7.13 and before".
# "<" stands outside the \b: it follows "(" or a space ("Keras (<2.13)"), where
# \b never matched, so that bound was read as no bound at all.
_DESC_BEFORE = re.compile(r"(?:\b(?:before|prior to)|<(?!=))\s*v?\.?\s*(\d+(?:\.\d+)+\w*)", re.I)
_DESC_THROUGH = re.compile(
    r"(?:\b(?:through|up to and including)\s+|<=\s*)v?\.?\s*(\d+(?:\.\d+)+\w*)|"
    r"v?\.?\s*(\d+(?:\.\d+)+\w*)\s+(?:and|or)\s+(?:before|earlier|prior|below)",
    re.I,
)
# Words that are package names but also ordinary English: never matched from prose.
_COMMON_WORDS = frozenset(
    {
        "requests",
        "click",
        "six",
        "attrs",
        "mock",
        "future",
        "black",
        "rich",
        "flask",
        "jinja2",
        "setuptools",
        "wheel",
        "pip",
        "docker",
        "kernel",
        "linux",
        "server",
        "client",
        "core",
        "python",
        "node",
        "model",
        "agent",
        "notebook",
        "ray",
        "transformers",
        "datasets",
        "accelerate",
        "tokenizers",
        "packaging",
        "typing",
        "json",
        "yaml",
        "http",
        "apache",
    }
)


@lru_cache(maxsize=32_768)
def _name_pattern(name: str) -> re.Pattern[str]:
    """The description pattern for a normalised name, compiled once per name.

    Every CVE without a CPE is checked against every stack entry; compiling
    per pair overflowed ``re``'s own small cache and cost seconds per CVE
    on a 10,000-entry stack.
    """
    words = re.escape(name).replace(r"\-", "[-_ .]?")
    return re.compile(rf"(?<![\w/-]){words}(?![\w-])", re.I)


@lru_cache(maxsize=32_768)
def _repo_pattern(name: str) -> re.Pattern[str]:
    """``owner/name``, the GitHub repository form huntr's CVE texts use.

    The plain pattern skips a name after "/" (endpoint paths such as
    ``/api/v1/validate/code`` are not products), but "GitHub repository
    huggingface/transformers prior to 4.36" names the product exactly, even
    when the bare word ("transformers", "ray") is too common to trust. The
    owner must start a word, so a path segment never counts as one.
    """
    words = re.escape(name).replace(r"\-", "[-_ .]?")
    return re.compile(rf"(?<![\w/.-])[\w.-]+/{words}(?![\w/-])", re.I)


def _find_name(sentence: str, name: str) -> re.Match[str] | None:
    """Where the description names ``name``: owner/repo form first, then the bare name."""
    if name.split("-", 1)[0] not in sentence.lower():
        return None  # cheap skip: almost every entry fails here without a regex
    common = name in _COMMON_WORDS
    if "/" in sentence:
        for m in _repo_pattern(name).finditer(sentence):
            # "client/server", "JSON/YAML": a common word after a slash is prose
            # unless the text calls it a repository.
            if not common or sentence[: m.start()].lower().endswith("repository "):
                return m
    if len(name) < 4 or common:
        return None
    return _name_pattern(name).search(sentence)


def _description_verdict(cve: CveRecord, entry: StackEntry) -> tuple[MatchLevel, str] | None:
    sentence = cve.description.split(". ", 1)[0]
    m = _find_name(sentence, entry.name)
    if m is None:
        return None
    tail = sentence[m.end() : m.end() + 80]
    before = _DESC_BEFORE.search(tail)
    through = _DESC_THROUGH.search(tail)
    if not entry.version or parse_version(entry.version) is None:
        return "version_unknown", (
            f"{entry.technology} named in the description (no CPE yet); no usable version recorded"
        )
    bound: str | None = None
    verdict: bool | None = None
    label = ""
    if before is not None:
        bound = before.group(1)
        verdict = cpe_range_contains(entry.version, end_excluding=bound)
        label = f"before {bound}"
    elif through is not None:
        bound = through.group(1) or through.group(2)
        verdict = cpe_range_contains(entry.version, end_including=bound)
        label = f"through {bound}"
    if bound is None or verdict is None:
        return "name_only", f"{entry.technology} named in the description (no CPE yet)"
    if verdict:
        return "version_in_range", (
            f"{entry.technology} {entry.version} is {label} "
            "(range read from the description; no CPE yet)"
        )
    return "version_outside", (
        f"{entry.technology} {entry.version} is not {label} "
        "(range read from the description; no CPE yet)"
    )


def index_stack(stack: Sequence[StackEntry]) -> dict[str, list[StackEntry]]:
    """The entries by normalised name: build once, pass to every :func:`match_stack` call."""
    by_name: dict[str, list[StackEntry]] = {}
    for entry in stack:
        by_name.setdefault(entry.name, []).append(entry)
    return by_name


def match_stack(
    cve: CveRecord,
    stack: Sequence[StackEntry],
    *,
    osv_ranges: Iterable[VersionRange] = (),
    by_name: Mapping[str, Sequence[StackEntry]] | None = None,
) -> StackMatch:
    """The best way ``cve`` meets ``stack`` (see the module docstring for levels).

    Sources, in order of trust: NVD's vulnerable cpeMatches (versions compared
    with the CPE bounds), OSV package ranges given by the caller, and — only
    when NVD has no CPE yet — the product named in the description's first
    sentence with a "before X" / "through X" bound if one follows the name.
    ``by_name`` is :func:`index_stack` of ``stack``: a caller scoring many CVEs
    against one stack passes it (re-indexing 10,000 entries per CVE was most of
    a stack import's matching time).
    """
    candidates: list[tuple[MatchLevel, str, StackEntry, str]] = []
    if by_name is None:
        by_name = index_stack(stack)
    cpes = list(cve.cpe_matches(vulnerable_only=True))
    for m in cpes:
        for name in cpe_names(m.vendor, m.product):
            for entry in by_name.get(name, ()):
                level, why = _cpe_verdict(entry, m)
                candidates.append((level, why, entry, m.criteria))
    for r in osv_ranges:
        for entry in by_name.get(normalize_name(r.package), ()):
            level, why = _osv_verdict(entry, r)
            candidates.append((level, why, entry, f"osv:{r.package}"))
    if not cpes and not candidates:
        for entry in stack:
            verdict = _description_verdict(cve, entry)
            if verdict is not None:
                candidates.append((verdict[0], verdict[1], entry, "description"))
    if not candidates:
        return StackMatch("none", "no stack entry matches this CVE's products")
    # Best level wins; among equals, the entry on most assets (it matters most).
    candidates.sort(key=lambda c: (_LEVEL_ORDER.index(c[0]), -(c[2].asset_count or 0)))
    level, why, entry, on = candidates[0]
    return StackMatch(level, why, entry, on)
