"""OSV for the organisations' own packages: ask the OSV API about every stack entry.

Which entries can be asked about: OSV needs a package ecosystem, so an entry
is queried when its ecosystem is known —

* from its package URL (CycloneDX ``purl``: ``pkg:pypi/torch@2.5.1`` → PyPI);
* ``requirements.txt`` / ``pip freeze`` entries are PyPI packages;
* a CSV row is queried as PyPI when its name is a well-known Python package
  (``PYPI_NAMES``); a row such as ``linux`` or ``postgresql`` has no OSV
  ecosystem we could guess, and is counted as skipped.

One ``/v1/querybatch`` call per 1,000 distinct (package, ecosystem, version)
triples, then ``/v1/vulns/{id}`` for each advisory not already stored at the
same ``modified`` time; the advisories are stored like imported OSV files
(exact ranges, CVE links) and the affected CVEs are re-scored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.vulns.ingest import IngestStats, store_osv
from threatvec.vulns.models import OsvAdvisoryRecord, TechStackEntry
from threatvec.vulns.osv import OsvAdvisory, OsvClient

__all__ = ["PYPI_NAMES", "OsvQuery", "OsvSyncResult", "stack_queries", "sync_osv_stack"]

Progress = Callable[[int, int | None], None]

# purl type → OSV ecosystem (https://ossf.github.io/osv-schema/#affectedpackage-field).
_PURL_ECOSYSTEMS = {
    "pypi": "PyPI",
    "npm": "npm",
    "maven": "Maven",
    "golang": "Go",
    "cargo": "crates.io",
    "gem": "RubyGems",
    "nuget": "NuGet",
    "composer": "Packagist",
    "hex": "Hex",
    "pub": "Pub",
}

#: CSV names queried as PyPI packages (normalised names, see stack.normalize_name).
PYPI_NAMES = frozenset(
    {
        "torch",
        "transformers",
        "tensorflow",
        "keras",
        "langchain",
        "langchain-core",
        "langchain-community",
        "langchain-experimental",
        "llama-index",
        "mlflow",
        "gradio",
        "ray",
        "vllm",
        "onnx",
        "onnxruntime",
        "bentoml",
        "litellm",
        "langflow",
        "open-webui",
        "notebook",
        "jupyter-server",
        "jupyterlab",
        "scikit-learn",
        "numpy",
        "pandas",
        "pillow",
        "jinja2",
        "pyyaml",
        "fastapi",
        "django",
        "flask",
        "requests",
        "urllib3",
        "aiohttp",
        "sentence-transformers",
        "huggingface-hub",
        "safetensors",
        "chromadb",
        "qdrant-client",
        "pymilvus",
        "opencv",
        "kserve",
    }
)


@dataclass(frozen=True)
class OsvQuery:
    name: str
    ecosystem: str
    version: str | None


@dataclass
class OsvSyncResult:
    entries: int = 0
    queries: int = 0
    skipped_entries: list[str] = field(default_factory=list)  # technology names, no ecosystem
    advisory_ids: int = 0
    fetched: int = 0
    already_stored: int = 0
    missing: int = 0  # listed by querybatch, then 404 on /v1/vulns/{id}
    stats: IngestStats = field(default_factory=IngestStats)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "queries": self.queries,
            "skipped_entries": len(self.skipped_entries),
            "skipped_entry_names": sorted(set(self.skipped_entries))[:50],
            "advisory_ids": self.advisory_ids,
            "fetched": self.fetched,
            "already_stored": self.already_stored,
            "missing": self.missing,
            **self.stats.to_dict(),
        }


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _from_purl(purl: str) -> tuple[str, str, str | None] | None:
    """(name, ecosystem, version) from ``pkg:type/namespace/name@version``; None if unknown."""
    if not purl.startswith("pkg:"):
        return None
    body = purl[4:].split("?", 1)[0].split("#", 1)[0]
    path, _, version = body.partition("@")
    kind, _, rest = path.partition("/")
    ecosystem = _PURL_ECOSYSTEMS.get(kind.lower())
    if ecosystem is None or not rest:
        return None
    parts = [unquote(p) for p in rest.split("/") if p]
    if kind.lower() == "maven" and len(parts) >= 2:
        name = f"{parts[-2]}:{parts[-1]}"
    elif kind.lower() in ("npm", "golang", "composer"):
        name = "/".join(parts)
    else:
        name = parts[-1]
    return name, ecosystem, unquote(version) or None


def query_for(entry: TechStackEntry) -> OsvQuery | None:
    """The OSV query for one stack entry, or None when its ecosystem is unknown."""
    if entry.purl:
        got = _from_purl(entry.purl)
        if got:
            name, eco, version = got
            return OsvQuery(name, eco, version or entry.version)
    if entry.source == "requirements" or entry.name in PYPI_NAMES:
        return OsvQuery(entry.name, "PyPI", entry.version)
    return None


def stack_queries(
    session: Session, org_ids: Sequence[str] | None = None
) -> tuple[list[OsvQuery], list[str], int]:
    """Distinct queries over the orgs' stacks, the names skipped, and how many entries were read."""
    stmt = select(TechStackEntry)
    if org_ids is not None:
        stmt = stmt.where(TechStackEntry.org_id.in_(list(org_ids)))
    queries: dict[OsvQuery, None] = {}
    skipped: list[str] = []
    n = 0
    for entry in session.scalars(stmt.order_by(TechStackEntry.name, TechStackEntry.id)):
        n += 1
        q = query_for(entry)
        if q is None:
            skipped.append(entry.technology)
        else:
            queries[q] = None
    return list(queries), skipped, n


def sync_osv_stack(
    session: Session,
    client: OsvClient,
    *,
    org_ids: Sequence[str] | None = None,
    on_progress: Progress | None = None,
) -> OsvSyncResult:
    """Query OSV for every stack package, fetch new or changed advisories, store, re-score."""
    result = OsvSyncResult()
    queries, result.skipped_entries, result.entries = stack_queries(session, org_ids)
    result.queries = len(queries)
    if not queries:
        return result
    answers = client.query_batch_entries([(q.name, q.ecosystem, q.version) for q in queries])
    listed: dict[str, str | None] = {}
    for vulns in answers:
        for adv_id, modified in vulns:
            listed[adv_id] = modified
    result.advisory_ids = len(listed)
    stored = {
        r.id: r.modified
        for r in session.scalars(
            select(OsvAdvisoryRecord).where(OsvAdvisoryRecord.id.in_(list(listed)))
        )
    }
    todo = []
    for adv_id, modified in sorted(listed.items()):
        have = stored.get(adv_id)
        if have is not None and have == _parse_time(modified):
            result.already_stored += 1
        else:
            todo.append(adv_id)
    advisories: list[OsvAdvisory] = []
    for i, adv_id in enumerate(todo, 1):
        adv = client.get(adv_id)
        if adv is None:
            result.missing += 1
        else:
            advisories.append(adv)
        if on_progress:
            on_progress(i, len(todo))
    result.fetched = len(advisories)
    result.stats = store_osv(session, advisories, org_ids=org_ids)
    session.commit()
    return result
