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

OSV leaves a withdrawn advisory out of query answers, so its ``withdrawn``
field is never seen by listing alone. An advisory stored for a package this
sync listed in full, whose stored ranges cover the version asked about, but
which the listing no longer names, is fetched by id: withdrawn or 404 removes
it; still there keeps it; an error keeps it too (never dropped because one
request failed), to be asked again next sync.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.vulns.http_retry import SourceError
from threatvec.vulns.ingest import IngestStats, store_osv
from threatvec.vulns.models import OsvAdvisoryRecord, TechStackEntry
from threatvec.vulns.osv import OsvAdvisory, OsvClient
from threatvec.vulns.versions import osv_events_contain

__all__ = ["PYPI_NAMES", "OsvQuery", "OsvSyncResult", "stack_queries", "sync_osv_stack"]

Progress = Callable[[int, int | None], None]
log = logging.getLogger("threatvec.vulns.osv_sync")

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
    rechecked: int = 0  # stored, no longer listed, fetched by id
    gone: int = 0  # of those, 404: removed (counted in stats.withdrawn too)
    recheck_failed: int = 0  # of those, OSV gave no answer: kept
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
            "rechecked": self.rechecked,
            "gone": self.gone,
            "recheck_failed": self.recheck_failed,
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
    cut_short: set[int] = set()
    answers = client.query_batch_entries(
        [(q.name, q.ecosystem, q.version) for q in queries], incomplete=cut_short
    )
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
    whole = [q for i, q in enumerate(queries) if i not in cut_short]
    advisories += _recheck(client, _no_longer_listed(session, whole, listed), result)
    result.stats = store_osv(session, advisories, org_ids=org_ids)
    session.commit()
    return result


def _package_key(ecosystem: Any, name: Any) -> tuple[str, str]:
    """(ecosystem, name) as OSV compares them: PyPI names normalised (PEP 503)."""
    eco, pkg = str(ecosystem or ""), str(name or "")
    if eco == "PyPI":
        return eco, re.sub(r"[-_.]+", "-", pkg).lower()
    return eco, pkg


def _may_affect(stored_range: dict[str, Any], version: str | None) -> bool:
    """Would this stored range make the stack's version affected (unknown counts as yes)?"""
    if version is None or version in (stored_range.get("versions") or []):
        return True
    events = stored_range.get("events") or []
    return bool(events) and osv_events_contain(version, events) is not False


def _no_longer_listed(
    session: Session, queries: Sequence[OsvQuery], listed: dict[str, str | None]
) -> list[str]:
    """Stored advisories that match an asked version by their stored ranges, yet were not listed.

    Only queries whose listing came back whole are passed in: an advisory
    missing from a cut-short listing proves nothing.
    """
    asked: dict[tuple[str, str], list[str | None]] = {}
    for q in queries:
        asked.setdefault(_package_key(q.ecosystem, q.name), []).append(q.version)
    out: list[str] = []
    rows = session.execute(select(OsvAdvisoryRecord.id, OsvAdvisoryRecord.ranges))
    for adv_id, ranges in rows:
        if adv_id in listed:
            continue
        for r in ranges or []:
            versions = asked.get(_package_key(r.get("ecosystem"), r.get("package")))
            if versions and any(_may_affect(r, v) for v in versions):
                out.append(adv_id)
                break
    return sorted(out)


def _gone(adv_id: str) -> OsvAdvisory:
    """A 404 for an advisory OSV used to serve: removed like a withdrawn one."""
    return OsvAdvisory(
        id=adv_id,
        aliases=(),
        summary="",
        details="",
        modified=None,
        published=None,
        withdrawn=utcnow(),
        affected=(),
        severity=(),
        references=(),
    )


def _recheck(client: OsvClient, ids: Sequence[str], result: OsvSyncResult) -> list[OsvAdvisory]:
    """Fetch each no-longer-listed advisory by id; withdrawn or deleted ones come back withdrawn.

    An advisory OSV still serves is returned as it is now (stored as an
    update); one OSV could not answer for is left out, so the stored copy
    stays until a later sync gets an answer.
    """
    out: list[OsvAdvisory] = []
    for adv_id in ids:
        result.rechecked += 1
        try:
            adv = client.get(adv_id)
        except (SourceError, ValueError) as exc:
            result.recheck_failed += 1
            log.warning("OSV re-check of %s failed, kept as stored: %s", adv_id, exc)
            continue
        if adv is None:
            result.gone += 1
            out.append(_gone(adv_id))
        else:
            out.append(adv)
    return out
