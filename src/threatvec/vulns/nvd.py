"""NVD CVE API 2.0 records: parsing into :class:`CveRecord` and streaming file import.

A record is the ``cve`` object of one ``vulnerabilities[]`` item, exactly as
NVD's API and its JSON files carry it. Parsing keeps every CVSS metric
(v4.0, v3.1, v3.0, v2), CWEs, references, CPE configurations with their
version ranges, the CISA KEV fields NVD copies in (``cisaExploitAdd``,
``cisaActionDue``, ``cisaRequiredAction``, ``cisaVulnerabilityName``) and the
``vulnStatus`` ("Awaiting Analysis" records have ``metrics: {}`` and no
configurations; they are kept, and re-parsed when NVD updates them).

The score used is chosen by :func:`choose_cvss` — see its docstring and
docs/vulns.md.

Errors: a malformed record raises :class:`NvdRecordError` from
:func:`parse_cve`; :func:`iter_nvd_file` skips it, reports it to the
``errors`` callback (and logs a warning naming the record and the reason,
never its content) and goes on. A file that is not JSON at all, or is cut
short, raises :class:`NvdFileError` after the records before the damage were
yielded.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import ijson

__all__ = [
    "CVSS_DISAGREEMENT_THRESHOLD",
    "SKIPPED_RECORD",
    "ConfigNode",
    "Configuration",
    "CpeMatch",
    "CveRecord",
    "CvssChoice",
    "CvssMetric",
    "NvdFileError",
    "NvdKev",
    "NvdRecordError",
    "Reference",
    "SkippedRecord",
    "choose_cvss",
    "iter_nvd_file",
    "parse_cpe",
    "parse_cve",
    "parse_nvd_document",
    "parse_nvd_timestamp",
    "severity_from_score",
]

log = logging.getLogger("threatvec.vulns.nvd")
#: Set on the log record of every skipped-record warning (``extra``).
SKIPPED_RECORD = "skipped_record"

#: Two scores for the same CVE in the same CVSS family that differ by at least
#: this many points are flagged on the choice (issue 5: "a large disagreement is shown").
CVSS_DISAGREEMENT_THRESHOLD = 2.0

_CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,19}$")
_METRIC_KEYS: tuple[tuple[str, str], ...] = (
    # Newest first: the order is the choice rule's first criterion.
    ("cvssMetricV40", "4.0"),
    ("cvssMetricV31", "3.1"),
    ("cvssMetricV30", "3.0"),
    ("cvssMetricV2", "2.0"),
)
_VERSION_RANK = {"4.0": 4, "3.1": 3, "3.0": 2, "2.0": 1}
_SEVERITIES = ("NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL")
NVD_SOURCE = "nvd@nist.gov"
_MAX_DESCRIPTION = 64_000


class NvdRecordError(ValueError):
    """One CVE object is malformed; the message says what is wrong."""


class NvdFileError(ValueError):
    """The file itself is not an NVD 2.0 JSON document (or is truncated)."""


@dataclass(frozen=True)
class SkippedRecord:
    """A record that was not imported: its position, id if known, and why."""

    index: int
    cve_id: str | None
    reason: str


@dataclass(frozen=True)
class CvssMetric:
    """One CVSS metric as NVD lists it under ``metrics``."""

    version: str  # "4.0" | "3.1" | "3.0" | "2.0"
    source: str
    type: str  # "Primary" | "Secondary"
    base_score: float
    base_severity: str
    vector: str
    exploitability_score: float | None = None
    impact_score: float | None = None

    @property
    def is_nvd_primary(self) -> bool:
        return self.type == "Primary" and self.source == NVD_SOURCE


@dataclass(frozen=True)
class CvssChoice:
    """The metric the product uses, why, and any large disagreement."""

    metric: CvssMetric | None
    reason: str
    disagreement: float | None = None  # largest |Δ| within the chosen family
    disagreeing: CvssMetric | None = None
    large_disagreement: bool = False

    @property
    def base_score(self) -> float | None:
        return None if self.metric is None else self.metric.base_score

    @property
    def severity(self) -> str | None:
        return None if self.metric is None else self.metric.base_severity


@dataclass(frozen=True)
class CpeMatch:
    """One ``cpeMatch`` entry: the CPE and NVD's version bounds."""

    criteria: str
    vulnerable: bool
    part: str
    vendor: str
    product: str
    version: str | None  # the CPE's own version; None for "*" / "-"
    update: str | None
    target_sw: str | None
    version_start_including: str | None = None
    version_start_excluding: str | None = None
    version_end_including: str | None = None
    version_end_excluding: str | None = None
    match_criteria_id: str | None = None

    @property
    def has_range(self) -> bool:
        return any(
            (
                self.version_start_including,
                self.version_start_excluding,
                self.version_end_including,
                self.version_end_excluding,
            )
        )

    def describe_range(self) -> str:
        """Human text for the affected versions, e.g. ``>= 3.15, < 5.15.149``."""
        if self.version is not None:
            return f"= {self.version}" + (f" {self.update}" if self.update else "")
        parts = []
        if self.version_start_including:
            parts.append(f">= {self.version_start_including}")
        if self.version_start_excluding:
            parts.append(f"> {self.version_start_excluding}")
        if self.version_end_including:
            parts.append(f"<= {self.version_end_including}")
        if self.version_end_excluding:
            parts.append(f"< {self.version_end_excluding}")
        return ", ".join(parts) or "all versions"


@dataclass(frozen=True)
class ConfigNode:
    operator: str  # "OR" | "AND"
    negate: bool
    matches: tuple[CpeMatch, ...]


@dataclass(frozen=True)
class Configuration:
    """One ``configurations[]`` item; ``operator`` joins its nodes (AND = "running on")."""

    operator: str | None
    negate: bool
    nodes: tuple[ConfigNode, ...]


@dataclass(frozen=True)
class Reference:
    url: str
    source: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class NvdKev:
    """The CISA KEV fields NVD copies into a record that is on the KEV list."""

    exploit_add: date | None
    action_due: date | None
    required_action: str | None
    vulnerability_name: str | None


@dataclass(frozen=True)
class CveRecord:
    """One CVE as NVD describes it. ``raw`` is the original ``cve`` object."""

    cve_id: str
    source_identifier: str | None
    published: datetime
    last_modified: datetime
    vuln_status: str
    description: str
    metrics: tuple[CvssMetric, ...]
    cwes: tuple[str, ...]
    references: tuple[Reference, ...]
    configurations: tuple[Configuration, ...]
    kev: NvdKev | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def cvss(self) -> CvssChoice:
        return choose_cvss(self.metrics)

    @property
    def base_score(self) -> float | None:
        return self.cvss.base_score

    @property
    def severity(self) -> str | None:
        return self.cvss.severity

    @property
    def awaiting_analysis(self) -> bool:
        """True while NVD has not analysed it (no NVD metrics or configurations yet)."""
        return self.vuln_status in ("Received", "Awaiting Analysis", "Undergoing Analysis")

    @property
    def is_rejected(self) -> bool:
        return self.vuln_status == "Rejected"

    def cpe_matches(self, *, vulnerable_only: bool = True) -> Iterator[CpeMatch]:
        """Every cpeMatch in every configuration (only vulnerable ones by default)."""
        for cfg in self.configurations:
            for node in cfg.nodes:
                for m in node.matches:
                    if m.vulnerable or not vulnerable_only:
                        yield m

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON of ``raw``: equal hash means nothing changed.

        Re-importing the same record gives the same hash, so a store can skip
        the write; an updated record (new ``lastModified``, new metrics) differs.
        """
        canonical = json.dumps(self.raw, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


# --------------------------------------------------------------------------- helpers


def parse_nvd_timestamp(value: object, field: str = "timestamp") -> datetime:
    """NVD timestamps (``2024-01-31T13:15:10.827``, no zone) are UTC; return them aware.

    ``field`` names the record's field in the error (``published``, ``lastModified``).
    """
    if not isinstance(value, str) or not value:
        got = "missing" if value is None else f"a {type(value).__name__}"
        raise NvdRecordError(f"{field}: timestamp must be a non-empty string, got {got}")
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise NvdRecordError(f"{field}: bad timestamp {value[:40]!r}") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _optional_date(value: object, name: str) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise NvdRecordError(f"{name} must be a date string")
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise NvdRecordError(f"{name} is not a date: {value[:20]!r}") from exc


def _optional_str(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise NvdRecordError(f"{name} must be a string")
    return value


def _float(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        # ijson may hand us Decimal when use_float is off; accept any real number.
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise NvdRecordError(f"{name} must be a number") from exc
    return float(value)


def severity_from_score(score: float, version: str = "3.1") -> str:
    """Qualitative severity from a base score (v2 has no NONE/CRITICAL bands)."""
    if version == "2.0":
        return "LOW" if score < 4.0 else "MEDIUM" if score < 7.0 else "HIGH"
    if score == 0.0:
        return "NONE"
    if score < 4.0:
        return "LOW"
    if score < 7.0:
        return "MEDIUM"
    if score < 9.0:
        return "HIGH"
    return "CRITICAL"


def _parse_metric(item: object, version_hint: str, where: str) -> CvssMetric:
    if not isinstance(item, Mapping):
        raise NvdRecordError(f"{where} must be an object")
    data = item.get("cvssData")
    if not isinstance(data, Mapping):
        raise NvdRecordError(f"{where}.cvssData is missing")
    score = _float(data.get("baseScore"), f"{where}.cvssData.baseScore")
    if not 0.0 <= score <= 10.0:
        raise NvdRecordError(f"{where}.cvssData.baseScore {score} is outside 0-10")
    version = str(data.get("version") or version_hint)
    # v2 keeps baseSeverity beside cvssData; v3/v4 inside it.
    severity = data.get("baseSeverity") or item.get("baseSeverity")
    if not isinstance(severity, str) or severity.upper() not in _SEVERITIES:
        severity = severity_from_score(score, version)
    expl = item.get("exploitabilityScore")
    impact = item.get("impactScore")
    return CvssMetric(
        version=version,
        source=str(item.get("source") or ""),
        type=str(item.get("type") or "Secondary"),
        base_score=score,
        base_severity=str(severity).upper(),
        vector=str(data.get("vectorString") or ""),
        exploitability_score=None if expl is None else _float(expl, f"{where}.exploitabilityScore"),
        impact_score=None if impact is None else _float(impact, f"{where}.impactScore"),
    )


def _metric_family(version: str) -> str:
    # 3.0 and 3.1 share a scale and meaning; 4.0 and 2.0 stand alone.
    return "3" if version.startswith("3") else version


def choose_cvss(metrics: Sequence[CvssMetric]) -> CvssChoice:
    """Pick the score the product uses.

    Rule (docs/vulns.md): the newest CVSS version present wins (4.0 > 3.1 >
    3.0 > 2.0); within that version NVD's own Primary metric
    (``nvd@nist.gov``) beats any other Primary, and a Primary beats a
    Secondary (a CNA's). Ties keep NVD's order. Then every other metric of the
    same family (3.0 and 3.1 are one family) is compared with the choice; a
    gap of :data:`CVSS_DISAGREEMENT_THRESHOLD` points or more is flagged.
    """
    if not metrics:
        return CvssChoice(None, "no CVSS metric yet (not analysed by NVD or a CNA)")

    def rank(m: CvssMetric) -> tuple[int, int]:
        who = 2 if m.is_nvd_primary else 1 if m.type == "Primary" else 0
        return (_VERSION_RANK.get(m.version, 0), who)

    chosen = max(metrics, key=rank)  # max keeps the first of equal ranks
    role = (
        "NVD Primary"
        if chosen.is_nvd_primary
        else f"{chosen.type} from {chosen.source or 'unknown source'}"
    )
    reason = f"CVSS v{chosen.version} {chosen.base_score} ({role}): newest version"
    others = [m for m in metrics if m.version != chosen.version]
    if others:
        older = sorted({m.version for m in others}, key=lambda v: -_VERSION_RANK.get(v, 0))
        reason += f" (also present: v{', v'.join(older)})"
    worst: CvssMetric | None = None
    gap = 0.0
    for m in metrics:
        if m is chosen or _metric_family(m.version) != _metric_family(chosen.version):
            continue
        d = abs(m.base_score - chosen.base_score)
        if d > gap:
            gap, worst = d, m
    large = worst is not None and gap >= CVSS_DISAGREEMENT_THRESHOLD
    if large and worst is not None:
        reason += (
            f"; disagreement: {worst.type} from {worst.source or 'unknown'} scores "
            f"v{worst.version} {worst.base_score} ({gap:.1f} points apart)"
        )
    return CvssChoice(
        metric=chosen,
        reason=reason,
        disagreement=round(gap, 1) if worst is not None else None,
        disagreeing=worst,
        large_disagreement=large,
    )


def parse_cpe(criteria: str) -> tuple[str, str, str, str | None, str | None, str | None]:
    """Split a CPE 2.3 formatted string into (part, vendor, product, version, update, target_sw).

    ``*`` and ``-`` become ``None``; escaped colons (``\\:``) stay inside a field.
    """
    if not criteria.startswith("cpe:2.3:"):
        raise NvdRecordError(f"not a CPE 2.3 string: {criteria[:60]!r}")
    fields = re.split(r"(?<!\\):", criteria)
    if len(fields) < 13:
        raise NvdRecordError(f"CPE has {len(fields)} fields, expected 13: {criteria[:60]!r}")

    def val(i: int) -> str | None:
        v = fields[i].replace("\\", "")
        return None if v in ("*", "-", "") else v

    part, vendor, product = fields[2], fields[3].replace("\\", ""), fields[4].replace("\\", "")
    return part, vendor, product, val(5), val(6), val(10)


def _parse_cpe_match(item: object, where: str) -> CpeMatch:
    if not isinstance(item, Mapping):
        raise NvdRecordError(f"{where} must be an object")
    criteria = item.get("criteria")
    if not isinstance(criteria, str):
        raise NvdRecordError(f"{where}.criteria is missing")
    part, vendor, product, version, update, target_sw = parse_cpe(criteria)
    return CpeMatch(
        criteria=criteria,
        vulnerable=bool(item.get("vulnerable", True)),
        part=part,
        vendor=vendor,
        product=product,
        version=version,
        update=update,
        target_sw=target_sw,
        version_start_including=_optional_str(item.get("versionStartIncluding"), where),
        version_start_excluding=_optional_str(item.get("versionStartExcluding"), where),
        version_end_including=_optional_str(item.get("versionEndIncluding"), where),
        version_end_excluding=_optional_str(item.get("versionEndExcluding"), where),
        match_criteria_id=_optional_str(item.get("matchCriteriaId"), where),
    )


def _parse_configurations(value: object) -> tuple[Configuration, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise NvdRecordError("configurations must be a list")
    configs = []
    for ci, cfg in enumerate(value):
        if not isinstance(cfg, Mapping) or not isinstance(cfg.get("nodes", []), list):
            raise NvdRecordError(f"configurations[{ci}] must be an object with nodes")
        nodes = []
        for ni, node in enumerate(cfg.get("nodes", [])):
            where = f"configurations[{ci}].nodes[{ni}]"
            if not isinstance(node, Mapping) or not isinstance(node.get("cpeMatch", []), list):
                raise NvdRecordError(f"{where} must be an object with cpeMatch")
            matches = tuple(
                _parse_cpe_match(m, f"{where}.cpeMatch[{mi}]")
                for mi, m in enumerate(node.get("cpeMatch", []))
            )
            nodes.append(
                ConfigNode(str(node.get("operator") or "OR"), bool(node.get("negate")), matches)
            )
        op = cfg.get("operator")
        configs.append(
            Configuration(None if op is None else str(op), bool(cfg.get("negate")), tuple(nodes))
        )
    return tuple(configs)


def _parse_cwes(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise NvdRecordError("weaknesses must be a list")
    seen: dict[str, None] = {}
    for w in value:
        if not isinstance(w, Mapping):
            raise NvdRecordError("weaknesses[] must be objects")
        for d in w.get("description") or []:
            text = d.get("value") if isinstance(d, Mapping) else None
            # NVD also uses NVD-CWE-Other / NVD-CWE-noinfo; keep them, they are honest.
            if isinstance(text, str) and text:
                seen.setdefault(text, None)
    return tuple(seen)


def _parse_references(value: object) -> tuple[Reference, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise NvdRecordError("references must be a list")
    refs = []
    for r in value:
        if not isinstance(r, Mapping) or not isinstance(r.get("url"), str):
            raise NvdRecordError("references[] must be objects with a url")
        tags = r.get("tags") or []
        refs.append(
            Reference(
                url=r["url"],
                source=_optional_str(r.get("source"), "reference.source"),
                tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
            )
        )
    return tuple(refs)


def _english_description(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, list):
        raise NvdRecordError("descriptions must be a list")
    fallback = ""
    for d in value:
        if not isinstance(d, Mapping) or not isinstance(d.get("value"), str):
            raise NvdRecordError("descriptions[] must be objects with a value")
        if d.get("lang") == "en":
            return str(d["value"])[:_MAX_DESCRIPTION]
        fallback = fallback or str(d["value"])
    return fallback[:_MAX_DESCRIPTION]


def parse_cve(obj: Mapping[str, Any]) -> CveRecord:
    """Parse one NVD ``cve`` object (or a ``{"cve": {...}}`` item); raise NvdRecordError."""
    if isinstance(obj, Mapping) and "cve" in obj and isinstance(obj["cve"], Mapping):
        obj = obj["cve"]
    if not isinstance(obj, Mapping):
        raise NvdRecordError("record must be a JSON object")
    cve_id = obj.get("id")
    if not isinstance(cve_id, str) or not _CVE_ID.match(cve_id):
        raise NvdRecordError(f"id is missing or not a CVE id: {str(cve_id)[:40]!r}")
    metrics_obj = obj.get("metrics") or {}
    if not isinstance(metrics_obj, Mapping):
        raise NvdRecordError("metrics must be an object")
    metrics: list[CvssMetric] = []
    for key, version in _METRIC_KEYS:
        items = metrics_obj.get(key) or []
        if not isinstance(items, list):
            raise NvdRecordError(f"metrics.{key} must be a list")
        metrics.extend(
            _parse_metric(m, version, f"metrics.{key}[{i}]") for i, m in enumerate(items)
        )
    kev: NvdKev | None = None
    if any(k in obj for k in ("cisaExploitAdd", "cisaActionDue", "cisaRequiredAction")):
        kev = NvdKev(
            exploit_add=_optional_date(obj.get("cisaExploitAdd"), "cisaExploitAdd"),
            action_due=_optional_date(obj.get("cisaActionDue"), "cisaActionDue"),
            required_action=_optional_str(obj.get("cisaRequiredAction"), "cisaRequiredAction"),
            vulnerability_name=_optional_str(
                obj.get("cisaVulnerabilityName"), "cisaVulnerabilityName"
            ),
        )
    status = obj.get("vulnStatus")
    return CveRecord(
        cve_id=cve_id,
        source_identifier=_optional_str(obj.get("sourceIdentifier"), "sourceIdentifier"),
        published=parse_nvd_timestamp(obj.get("published"), "published"),
        last_modified=parse_nvd_timestamp(obj.get("lastModified"), "lastModified"),
        vuln_status=status if isinstance(status, str) and status else "Unknown",
        description=_english_description(obj.get("descriptions")),
        metrics=tuple(metrics),
        cwes=_parse_cwes(obj.get("weaknesses")),
        references=_parse_references(obj.get("references")),
        configurations=_parse_configurations(obj.get("configurations")),
        kev=kev,
        raw=obj,
    )


# --------------------------------------------------------------------------- documents and files

ErrorCallback = Callable[[SkippedRecord], None]


def _report(errors: ErrorCallback | None, skipped: SkippedRecord) -> None:
    # The reason names the field, never echoes a whole record (it is untrusted input).
    log.warning(
        "skipped NVD record #%d (%s): %s",
        skipped.index,
        skipped.cve_id or "no id",
        skipped.reason,
        extra={SKIPPED_RECORD: True},  # a caller that lists skips itself can drop this line
    )
    if errors is not None:
        errors(skipped)


def _parse_item(index: int, item: object, errors: ErrorCallback | None) -> CveRecord | None:
    cve_id = None
    if isinstance(item, Mapping):
        inner = item.get("cve", item)
        if isinstance(inner, Mapping) and isinstance(inner.get("id"), str):
            cve_id = str(inner["id"])[:40]
    try:
        if not isinstance(item, Mapping) or not isinstance(item.get("cve"), Mapping):
            raise NvdRecordError("item has no 'cve' object")
        return parse_cve(item["cve"])
    except NvdRecordError as exc:
        _report(errors, SkippedRecord(index, cve_id, str(exc)))
        return None


def parse_nvd_document(
    doc: Mapping[str, Any], *, errors: ErrorCallback | None = None
) -> list[CveRecord]:
    """Parse an in-memory NVD API 2.0 response (one page); malformed items are reported."""
    items = doc.get("vulnerabilities")
    if not isinstance(items, list):
        raise NvdFileError("document has no 'vulnerabilities' list")
    out = []
    for i, item in enumerate(items):
        rec = _parse_item(i, item, errors)
        if rec is not None:
            out.append(rec)
    return out


def _open_maybe_gzip(path: Path) -> IO[bytes]:
    fh: IO[bytes] = path.open("rb")
    magic = fh.read(2)
    fh.seek(0)
    # Decide by content, not by name: a .json that is really gzip still works.
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    return fh


def iter_nvd_file(path: str | Path, *, errors: ErrorCallback | None = None) -> Iterator[CveRecord]:
    """Stream the records of an NVD API 2.0 JSON document (plain or gzip).

    Memory stays bounded by the largest single record: the file is read with
    ijson, one ``vulnerabilities[]`` item at a time. A malformed record is
    skipped: the caller learns of it through ``errors`` (one
    :class:`SkippedRecord` per record) and a warning on the
    ``threatvec.vulns.nvd`` logger. A file that is not JSON, or is cut short,
    raises :class:`NvdFileError` once the good records before it are yielded.
    """
    p = Path(path)
    with _open_maybe_gzip(p) as fh:
        index = 0
        try:
            for item in ijson.items(fh, "vulnerabilities.item", use_float=True):
                rec = _parse_item(index, item, errors)
                index += 1
                if rec is not None:
                    yield rec
        except ijson.JSONError as exc:
            raise NvdFileError(f"{p.name}: not valid JSON after record #{index}: {exc}") from exc
        except (OSError, EOFError) as exc:  # gzip damage
            raise NvdFileError(f"{p.name}: cannot read after record #{index}: {exc}") from exc
    if index == 0 and not _has_vulnerabilities_key(p):
        raise NvdFileError(f"{p.name}: not an NVD API 2.0 document (no 'vulnerabilities' list)")


def _has_vulnerabilities_key(path: Path) -> bool:
    # Only reached for files that yielded nothing: tell "an empty page" from
    # "some other JSON document" so a wrong file is an error, not silence.
    with _open_maybe_gzip(path) as fh:
        try:
            for prefix, event, value in ijson.parse(fh):
                if prefix == "" and event == "map_key" and value == "vulnerabilities":
                    return True
        except ijson.JSONError:
            return False
    return False
