"""The AI service catalog: the built-in list, an org's additions, and host-name matching.

The built-in list lives in ``data/ai_services.json`` (a list of entries or
``{"services": [...]}``) and is shared reference data; an org's own entries
(``ShadowCatalogEntry``) win over a built-in entry for the same domain. A host
matches its own entry or the nearest parent domain's (``www.chatgpt.com`` →
``chatgpt.com``), like the extension's matcher.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.core.errors import FieldError, InvalidInput
from threatvec.shadow.models import ShadowCatalogEntry

__all__ = [
    "BUILTIN_PATH",
    "CATEGORY_RE",
    "DOMAIN_RE",
    "KINDS",
    "Catalog",
    "CatalogItem",
    "builtin_catalog",
    "load_catalog",
    "normalize_domain",
    "parse_csv",
]

BUILTIN_PATH = Path(__file__).parent / "data" / "ai_services.json"
KINDS = ("consumer", "enterprise")
# A registrable host name: lowercase labels, no scheme, port, path, user or wildcard.
DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$"
)
CATEGORY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
MAX_TEXT = 120
MAX_CSV_ROWS = 5000


@dataclass(frozen=True, slots=True)
class CatalogItem:
    domain: str
    service: str
    vendor: str
    category: str
    kind: str
    origin: str = "builtin"  # builtin | org

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def normalize_domain(value: str) -> str | None:
    """A bare lowercase host name, or None when the value is anything else."""
    host = value.strip().lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return host if DOMAIN_RE.fullmatch(host) else None


def _text(value: Any, fallback: str) -> str:
    if not isinstance(value, str):
        return fallback
    cleaned = " ".join(value.split())[:MAX_TEXT]
    return cleaned or fallback


def _item(raw: Mapping[str, Any], origin: str) -> CatalogItem | None:
    domain = normalize_domain(str(raw.get("domain", "")))
    if domain is None:
        return None
    category = _text(raw.get("category"), "other").lower()
    kind = raw.get("kind") or raw.get("consumer_or_enterprise")
    return CatalogItem(
        domain=domain,
        service=_text(raw.get("service"), domain),
        vendor=_text(raw.get("vendor"), "unknown"),
        category=category if CATEGORY_RE.fullmatch(category) else "other",
        kind=kind if kind in KINDS else "consumer",
        origin=origin,
    )


@lru_cache(maxsize=1)
def builtin_catalog() -> tuple[CatalogItem, ...]:
    """The shipped catalog (either file shape), validated, one entry per domain."""
    doc = json.loads(BUILTIN_PATH.read_text(encoding="utf-8"))
    raw = doc.get("services", []) if isinstance(doc, dict) else doc
    items: dict[str, CatalogItem] = {}
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, Mapping) and (item := _item(entry, "builtin")) is not None:
            items[item.domain] = item
    return tuple(sorted(items.values(), key=lambda i: i.domain))


class Catalog:
    """Built-in entries overlaid with one org's own; match a host to its entry."""

    def __init__(self, items: Iterable[CatalogItem]) -> None:
        self.by_domain: dict[str, CatalogItem] = {i.domain: i for i in items}

    def match(self, host: str) -> CatalogItem | None:
        """The entry for the host or its nearest parent domain (most specific wins)."""
        labels = host.split(".")
        for start in range(len(labels) - 1):
            item = self.by_domain.get(".".join(labels[start:]))
            if item is not None:
                return item
        return None

    def items(self) -> list[CatalogItem]:
        return sorted(self.by_domain.values(), key=lambda i: i.domain)


def load_catalog(*, session: Session, org_id: str) -> Catalog:
    rows = session.scalars(select(ShadowCatalogEntry).where(ShadowCatalogEntry.org_id == org_id))
    own = [CatalogItem(r.domain, r.service, r.vendor, r.category, r.kind, "org") for r in rows]
    return Catalog([*builtin_catalog(), *own])


def parse_csv(text: str) -> list[CatalogItem]:
    """Rows of ``domain,service,vendor,category,kind`` (``consumer_or_enterprise`` accepted).

    A header row is required; every bad row is reported with its line number
    and nothing is imported when any row is bad.
    """
    # newline="": the csv module reads "\r", "\n" and "\r\n" line ends itself
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fields = {f.strip().lower() for f in reader.fieldnames or []}
        # reader.line_num is the file line a record ends on: counting rows instead
        # would shift every error after a blank line or a quoted line break.
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        line = reader.line_num + 1  # the record being read when it failed
        raise InvalidInput(("body", "csv", line), f"not valid CSV at line {line}: {exc}") from exc
    if "domain" not in fields:
        raise InvalidInput(("body", "csv"), "the CSV needs a header row with a 'domain' column")
    items: list[CatalogItem] = []
    errors: list[FieldError] = []
    for line, row in rows:
        if len(items) + len(errors) >= MAX_CSV_ROWS:
            raise InvalidInput(("body", "csv"), f"at most {MAX_CSV_ROWS} rows per import")
        clean = {str(k).strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if not any(clean.values()):
            continue
        kind = clean.get("kind") or clean.get("consumer_or_enterprise") or "consumer"
        if kind not in KINDS:
            errors.append(FieldError(("body", "csv", line), f"kind must be one of {KINDS}"))
            continue
        item = _item({**clean, "kind": kind}, "org")
        if item is None:
            errors.append(FieldError(("body", "csv", line), "domain must be a bare host name"))
            continue
        items.append(item)
    if errors:
        raise InvalidInput(errors=errors[:50])
    return items
