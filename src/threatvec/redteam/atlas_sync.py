"""Keeping the ATLAS catalogue current from the ATLAS.yaml that MITRE publishes.

A fresh install has no catalogue, so the coverage heatmap could only show the
techniques our probes test, never the gray "untested" ones. The weekly job
``redteam.atlas_sync`` (and ``threatvec atlas sync``) downloads the file from
``THREATVEC_ATLAS_URL``, the way the CVE sources are fetched, and replaces the
stored catalogue when the version or the counts changed. A published version
older than the stored one (a mirror lagging behind, a rollback upstream) is not
imported unless forced. A download or parse failure keeps the catalogue already
stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import httpx
from sqlalchemy.orm import Session

from threatvec.core.cancel import pause
from threatvec.redteam import service
from threatvec.redteam.atlas import AtlasCatalog, AtlasError, parse_atlas_text
from threatvec.vulns.http_retry import RetryPolicy, stream_with_retry

__all__ = ["MAX_BYTES", "AtlasSyncResult", "fetch_atlas", "sync_atlas"]

MAX_BYTES = 32 * 1024 * 1024  # the published file is about 0.5 MB
_NUMERIC_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)$", re.IGNORECASE)


@dataclass(frozen=True)
class AtlasSyncResult:
    """One sync: ``version`` is the published file's, ``previous_version`` the stored one's."""

    status: Literal["imported", "unchanged", "skipped_older"]
    version: str
    previous_version: str | None
    tactic_count: int
    technique_count: int
    subtechnique_count: int
    source: str

    @property
    def message(self) -> str:
        """The outcome in words, for the CLI and the job's record."""
        if self.status == "skipped_older":
            return (
                f"the published ATLAS {self.version} is older than the stored "
                f"{self.previous_version}: not imported"
            )
        if self.status == "unchanged":
            return f"ATLAS {self.version} is already current"
        was = f" (was {self.previous_version})" if self.previous_version else ""
        return f"ATLAS {self.version} imported{was}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "message": self.message}


def _version_key(version: str | None) -> tuple[int, ...] | None:
    """Release numbers to order by ("v5.0.1" → (5, 0, 1)); None when the version is not numbers."""
    match = _NUMERIC_VERSION.match((version or "").strip())
    if match is None:
        return None
    parts = [int(p) for p in match.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()  # 5.0 and 5.0.0 are one release
    return tuple(parts)


def _is_older(version: str, than: str | None) -> bool:
    """True only when both versions are numbers and ``version`` is the lower one."""
    mine, theirs = _version_key(version), _version_key(than)
    return mine is not None and theirs is not None and mine < theirs


def _read_capped(resp: httpx.Response, url: str) -> bytes:
    """The body, refused as soon as it is known to pass MAX_BYTES: declared, or read so far."""
    limit = MAX_BYTES
    declared = resp.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise AtlasError(
            f"the ATLAS file at {url} is larger than {limit:,} bytes "
            f"(it declares {int(declared):,}); not downloaded"
        )
    body = bytearray()
    for chunk in resp.iter_bytes():  # decoded: a compressed body counts at its real size
        body += chunk
        if len(body) > limit:
            raise AtlasError(f"the ATLAS file at {url} is larger than {limit:,} bytes")
    return bytes(body)


def fetch_atlas(
    url: str,
    *,
    timeout: float = 60.0,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = pause,
    http_client: httpx.Client | None = None,
) -> AtlasCatalog:
    """Download and parse ATLAS.yaml (retried on 429/5xx/timeouts); raises on anything else.

    The body is streamed and the download stops once it passes ``MAX_BYTES``.
    """
    client = http_client or httpx.Client(timeout=timeout, follow_redirects=True)
    try:
        content = stream_with_retry(
            client,
            "GET",
            url,
            read=lambda resp: _read_capped(resp, url),
            policy=retry or RetryPolicy(),
            source="MITRE ATLAS",
            sleep=sleep,
        )
    finally:
        if http_client is None:
            client.close()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AtlasError(f"the ATLAS file at {url} is not UTF-8 text") from exc
    return parse_atlas_text(text, name=f"the ATLAS file at {url}", source=url)


def sync_atlas(session: Session, *, url: str, force: bool = False, **fetch: Any) -> AtlasSyncResult:
    """Fetch the catalogue; store it when it is newer or its counts differ (always with ``force``).

    A published version older than the stored one is not imported
    (``skipped_older``) unless ``force``; a version that is not numbers is
    imported whenever it differs from the stored one.
    """
    catalog = fetch_atlas(url, **fetch)
    before = service.atlas_summary(session=session)
    counts = (len(catalog.tactics), catalog.technique_count, catalog.subtechnique_count)
    stored = (before["tactic_count"], before["technique_count"], before["subtechnique_count"])
    same = before["imported"] and before["version"] == catalog.version and stored == counts
    status: Literal["imported", "unchanged", "skipped_older"] = "imported"
    if not force and before["imported"] and _is_older(catalog.version, before["version"]):
        status = "skipped_older"
    elif not force and same:
        status = "unchanged"
    else:
        service.import_catalog(session=session, catalog=catalog)
        session.commit()
    return AtlasSyncResult(
        status=status,
        version=catalog.version,
        previous_version=before["version"],
        tactic_count=counts[0],
        technique_count=counts[1],
        subtechnique_count=counts[2],
        source=url,
    )
