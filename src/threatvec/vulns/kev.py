"""CISA Known Exploited Vulnerabilities (KEV) catalog: parsing and download.

The catalog (schema: ``known_exploited_vulnerabilities_schema.json``) is one
JSON object: ``catalogVersion``, ``dateReleased``, ``count`` and
``vulnerabilities[]`` with ``cveID``, ``vendorProject``, ``product``,
``vulnerabilityName``, ``dateAdded``, ``shortDescription``,
``requiredAction``, ``dueDate`` (required) and ``knownRansomwareCampaignUse``,
``notes``, ``cwes`` (optional). A bad entry is skipped and reported through
``errors``; the rest of the catalog is kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from threatvec.core.cancel import pause
from threatvec.vulns.http_retry import RetryPolicy, SourceError, request_with_retry

__all__ = [
    "DEFAULT_KEV_URL",
    "KevCatalog",
    "KevEntry",
    "KevEntryError",
    "fetch_kev_catalog",
    "load_kev_file",
    "parse_kev_catalog",
]

DEFAULT_KEV_URL = (
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
)
_CVE = re.compile(r"^CVE-\d{4}-\d{4,19}$")
_CWE = re.compile(r"^CWE-\d+$")
_REQUIRED = (
    "cveID",
    "vendorProject",
    "product",
    "vulnerabilityName",
    "dateAdded",
    "shortDescription",
    "requiredAction",
    "dueDate",
)


@dataclass(frozen=True)
class KevEntry:
    cve_id: str
    vendor_project: str
    product: str
    vulnerability_name: str
    date_added: date
    short_description: str
    required_action: str
    due_date: date
    known_ransomware_use: str  # "Known" | "Unknown" (as CISA writes it)
    notes: str = ""
    cwes: tuple[str, ...] = ()

    @property
    def ransomware(self) -> bool:
        """True only when CISA says "Known"; "Unknown" means CISA lacks confirmation."""
        return self.known_ransomware_use.strip().lower() == "known"


@dataclass(frozen=True)
class KevEntryError:
    index: int
    cve_id: str | None
    reason: str


@dataclass
class KevCatalog:
    catalog_version: str
    date_released: datetime | None
    count: int
    entries: list[KevEntry] = field(default_factory=list)
    errors: list[KevEntryError] = field(default_factory=list)

    def by_cve(self) -> dict[str, KevEntry]:
        return {e.cve_id: e for e in self.entries}


def _date(value: object, name: str) -> date:
    if not isinstance(value, str):
        raise ValueError(f"{name} is not a string")
    return date.fromisoformat(value[:10])


def _entry(item: object) -> KevEntry:
    if not isinstance(item, Mapping):
        raise ValueError("entry is not an object")
    missing = [k for k in _REQUIRED if not isinstance(item.get(k), str) or not item.get(k)]
    if missing:
        raise ValueError(f"missing or empty: {', '.join(missing)}")
    cve = str(item["cveID"]).strip()
    if not _CVE.match(cve):
        raise ValueError(f"cveID {cve[:30]!r} is not a CVE id")
    cwes_raw = item.get("cwes") or []
    cwes = (
        tuple(str(c) for c in cwes_raw if isinstance(c, str) and _CWE.match(c))
        if isinstance(cwes_raw, list)
        else ()
    )
    try:
        added = _date(item["dateAdded"], "dateAdded")
        due = _date(item["dueDate"], "dueDate")
    except ValueError as exc:
        raise ValueError(f"bad date: {exc}") from exc
    return KevEntry(
        cve_id=cve,
        vendor_project=str(item["vendorProject"]),
        product=str(item["product"]),
        vulnerability_name=str(item["vulnerabilityName"]),
        date_added=added,
        short_description=str(item["shortDescription"]),
        required_action=str(item["requiredAction"]),
        due_date=due,
        known_ransomware_use=str(item.get("knownRansomwareCampaignUse") or "Unknown"),
        notes=str(item.get("notes") or ""),
        cwes=cwes,
    )


def parse_kev_catalog(
    data: bytes | str | Mapping[str, Any],
    *,
    errors: Callable[[KevEntryError], None] | None = None,
) -> KevCatalog:
    """Parse the catalog; raise SourceError if it is not a KEV catalog at all."""
    if isinstance(data, Mapping):
        doc: Any = data
    else:
        try:
            doc = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SourceError(f"KEV catalog is not JSON: {exc}") from exc
    if not isinstance(doc, Mapping) or not isinstance(doc.get("vulnerabilities"), list):
        raise SourceError("not a KEV catalog (no 'vulnerabilities' list)")
    released: datetime | None = None
    if isinstance(doc.get("dateReleased"), str):
        try:
            released = datetime.fromisoformat(doc["dateReleased"].replace("Z", "+00:00"))
            released = released if released.tzinfo else released.replace(tzinfo=UTC)
        except ValueError:
            released = None
    count = doc.get("count")
    catalog = KevCatalog(
        str(doc.get("catalogVersion") or ""),
        released,
        count if isinstance(count, int) else len(doc["vulnerabilities"]),
    )
    for i, item in enumerate(doc["vulnerabilities"]):
        try:
            catalog.entries.append(_entry(item))
        except ValueError as exc:
            cve = item.get("cveID") if isinstance(item, Mapping) else None
            err = KevEntryError(i, str(cve)[:30] if cve else None, str(exc))
            catalog.errors.append(err)
            if errors:
                errors(err)
    return catalog


def load_kev_file(path: str | Path) -> KevCatalog:
    return parse_kev_catalog(Path(path).read_bytes())


def fetch_kev_catalog(
    url: str = DEFAULT_KEV_URL,
    *,
    timeout: float = 60.0,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = pause,
    http_client: httpx.Client | None = None,
) -> KevCatalog:
    """Download and parse the catalog from ``url`` (retried on 429/5xx/timeouts)."""
    client = http_client or httpx.Client(timeout=timeout, follow_redirects=True)
    try:
        resp = request_with_retry(
            client, "GET", url, policy=retry or RetryPolicy(), source="CISA KEV", sleep=sleep
        )
        return parse_kev_catalog(resp.content)
    finally:
        if http_client is None:
            client.close()
