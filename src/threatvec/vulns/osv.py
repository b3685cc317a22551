"""OSV advisories (https://ossf.github.io/osv-schema/): files, directories and the API.

An advisory names packages and their exact affected ranges; its ``aliases``
(and the id itself, when it is one) give the CVE ids that join it to NVD.
Files may be JSON or YAML (the PyPA advisory database uses YAML). The API:

* ``POST {base}/v1/query`` ``{"package": {"name", "ecosystem"}, "version"}``
  → ``{"vulns": [advisory, ...], "next_page_token"?}``
* ``POST {base}/v1/querybatch`` ``{"queries": [...]}`` → ``{"results":
  [{"vulns": [{"id", "modified"}]}, ...]}`` (ids only; fetch details with
  ``GET {base}/v1/vulns/{id}``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from threatvec.core.cancel import pause
from threatvec.vulns.http_retry import RetryPolicy, SourceError, request_with_retry
from threatvec.vulns.nvd import SKIPPED_RECORD
from threatvec.vulns.stack import VersionRange
from threatvec.vulns.versions import osv_events_contain

__all__ = [
    "DEFAULT_OSV_URL",
    "OsvAdvisory",
    "OsvAffected",
    "OsvClient",
    "OsvFileError",
    "OsvRange",
    "iter_osv_dir",
    "load_osv_file",
    "parse_osv",
]

log = logging.getLogger("threatvec.vulns.osv")
DEFAULT_OSV_URL = "https://api.osv.dev"
_CVE = re.compile(r"^CVE-\d{4}-\d{4,19}$")
_MAX_FILE = 5 * 1024 * 1024
_MAX_BATCH = 1000  # OSV's documented querybatch limit
# The C loader when libyaml is there (10x faster on the 2,600-file PyPA
# database); both are the *safe* loaders: no arbitrary Python objects.
_YamlLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class OsvFileError:
    path: str
    reason: str


@dataclass(frozen=True)
class OsvRange:
    type: str  # ECOSYSTEM | SEMVER | GIT
    events: tuple[Mapping[str, str], ...]


@dataclass(frozen=True)
class OsvAffected:
    ecosystem: str
    name: str
    purl: str | None
    ranges: tuple[OsvRange, ...]
    versions: tuple[str, ...]

    def contains(self, version: str) -> bool | None:
        """Is ``version`` affected? ``None`` when only GIT ranges (commits) are given."""
        if version in self.versions:
            return True
        comparable = [r for r in self.ranges if r.type in ("ECOSYSTEM", "SEMVER")]
        if not comparable:
            return None if self.ranges else False
        answers = [osv_events_contain(version, list(r.events)) for r in comparable]
        if any(a is True for a in answers):
            return True
        return None if any(a is None for a in answers) else False

    def version_ranges(self) -> list[VersionRange]:
        """The stack matcher's view of this package's ranges."""
        comparable = [r for r in self.ranges if r.type in ("ECOSYSTEM", "SEMVER")]
        if not comparable:
            return [VersionRange(self.name, (), self.versions)]
        return [VersionRange(self.name, r.events, self.versions) for r in comparable]


@dataclass(frozen=True)
class OsvAdvisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    details: str
    modified: datetime | None
    published: datetime | None
    withdrawn: datetime | None
    affected: tuple[OsvAffected, ...]
    severity: tuple[tuple[str, str], ...]  # (type, score/vector)
    references: tuple[str, ...]

    @property
    def cve_ids(self) -> tuple[str, ...]:
        ids = [self.id] if _CVE.match(self.id) else []
        ids.extend(a for a in self.aliases if _CVE.match(a) and a not in ids)
        return tuple(ids)

    @property
    def package_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.name for a in self.affected))


def _ts(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _str(value: object) -> str:
    # YAML reads unquoted 1.10 as a float and 0 as an int; OSV values are strings.
    return value if isinstance(value, str) else str(value)


def parse_osv(obj: Mapping[str, Any]) -> OsvAdvisory:
    """Parse one OSV advisory object; raise ValueError when it is not one."""
    if not isinstance(obj, Mapping):
        raise ValueError("advisory is not an object")
    adv_id = obj.get("id")
    if not isinstance(adv_id, str) or not adv_id.strip():
        raise ValueError("advisory has no id")
    affected: list[OsvAffected] = []
    for i, a in enumerate(obj.get("affected") or []):
        if not isinstance(a, Mapping):
            raise ValueError(f"affected[{i}] is not an object")
        pkg = a.get("package") or {}
        if not isinstance(pkg, Mapping) or not pkg.get("name"):
            raise ValueError(f"affected[{i}].package has no name")
        ranges = []
        for r in a.get("ranges") or []:
            if not isinstance(r, Mapping) or not isinstance(r.get("events"), list):
                raise ValueError(f"affected[{i}] has a range without events")
            events = tuple(
                {str(k): _str(v) for k, v in e.items()}
                for e in r["events"]
                if isinstance(e, Mapping)
            )
            ranges.append(OsvRange(str(r.get("type") or "ECOSYSTEM"), events))
        affected.append(
            OsvAffected(
                ecosystem=str(pkg.get("ecosystem") or ""),
                name=_str(pkg["name"]),
                purl=pkg.get("purl") if isinstance(pkg.get("purl"), str) else None,
                ranges=tuple(ranges),
                versions=tuple(_str(v) for v in a.get("versions") or []),
            )
        )
    severity = tuple(
        (str(s.get("type")), str(s.get("score")))
        for s in obj.get("severity") or []
        if isinstance(s, Mapping)
    )
    refs = tuple(
        str(r["url"])
        for r in obj.get("references") or []
        if isinstance(r, Mapping) and isinstance(r.get("url"), str)
    )
    aliases = obj.get("aliases") or []
    return OsvAdvisory(
        id=adv_id.strip(),
        aliases=tuple(str(a) for a in aliases) if isinstance(aliases, list) else (),
        summary=str(obj.get("summary") or ""),
        details=str(obj.get("details") or ""),
        modified=_ts(obj.get("modified")),
        published=_ts(obj.get("published")),
        withdrawn=_ts(obj.get("withdrawn")),
        affected=tuple(affected),
        severity=severity,
        references=refs,
    )


def load_osv_file(path: str | Path) -> OsvAdvisory:
    """Read one advisory from a .json, .yaml or .yml file (ValueError if bad)."""
    p = Path(path)
    if p.stat().st_size > _MAX_FILE:
        raise ValueError(f"file is larger than {_MAX_FILE} bytes")
    text = p.read_text(encoding="utf-8")
    try:
        doc = json.loads(text) if p.suffix == ".json" else yaml.load(text, Loader=_YamlLoader)  # noqa: S506
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot parse: {str(exc).splitlines()[0]}") from exc
    return parse_osv(doc)


def iter_osv_dir(
    root: str | Path, *, errors: Callable[[OsvFileError], None] | None = None
) -> Iterator[OsvAdvisory]:
    """Every advisory under ``root`` (recursively, sorted); bad files are reported and skipped."""
    for path in sorted(Path(root).rglob("*")):
        if path.suffix not in (".json", ".yaml", ".yml") or not path.is_file():
            continue
        try:
            yield load_osv_file(path)
        except (ValueError, UnicodeDecodeError, OSError) as exc:
            err = OsvFileError(str(path), str(exc))
            log.warning("skipped OSV file %s: %s", path.name, exc, extra={SKIPPED_RECORD: True})
            if errors:
                errors(err)


class OsvClient:
    """The OSV API (``/v1/query``, ``/v1/querybatch``, ``/v1/vulns/{id}``)."""

    def __init__(
        self,
        base_url: str = DEFAULT_OSV_URL,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = pause,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._owns = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        if self._owns:
            self._http.close()

    def __enter__(self) -> OsvClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        resp = request_with_retry(
            self._http,
            "POST",
            self.base_url + path,
            json=body,
            policy=self.retry,
            source="OSV",
            sleep=self._sleep,
        )
        try:
            doc = resp.json()
        except ValueError as exc:
            raise SourceError("OSV answered with a body that is not JSON") from exc
        if not isinstance(doc, dict):
            raise SourceError("OSV answer is not an object")
        return doc

    def query(self, name: str, ecosystem: str, version: str | None = None) -> list[OsvAdvisory]:
        """Advisories affecting ``name`` (at ``version`` if given), following page tokens."""
        body: dict[str, Any] = {"package": {"name": name, "ecosystem": ecosystem}}
        if version:
            body["version"] = version
        out: list[OsvAdvisory] = []
        while True:
            doc = self._post("/v1/query", body)
            for v in doc.get("vulns") or []:
                try:
                    out.append(parse_osv(v))
                except ValueError as exc:
                    log.warning("OSV returned a malformed advisory: %s", exc)
            token = doc.get("next_page_token")
            if not token:
                return out
            body["page_token"] = token

    def query_batch(self, queries: Sequence[tuple[str, str, str | None]]) -> list[list[str]]:
        """Advisory ids per (name, ecosystem, version) query, in the same order."""
        return [[i for i, _ in r] for r in self.query_batch_entries(queries)]

    def query_batch_entries(
        self,
        queries: Sequence[tuple[str, str, str | None]],
        *,
        incomplete: set[int] | None = None,
    ) -> list[list[tuple[str, str | None]]]:
        """(advisory id, modified) per query, in the same order; follows ``next_page_token``.

        The indexes of queries whose pages were cut short (still a token after
        100 rounds) are added to ``incomplete``: their lists are not whole.
        """
        results: list[list[tuple[str, str | None]]] = []
        for i in range(0, len(queries), _MAX_BATCH):
            chunk = list(queries[i : i + _MAX_BATCH])
            bodies: list[dict[str, Any]] = [
                {"package": {"name": n, "ecosystem": e}, **({"version": v} if v else {})}
                for n, e, v in chunk
            ]
            got_all: list[list[tuple[str, str | None]]] = [[] for _ in chunk]
            pending = list(range(len(chunk)))
            # A result with a next_page_token has more ids: ask again for those queries only.
            for _ in range(100):
                doc = self._post("/v1/querybatch", {"queries": [bodies[j] for j in pending]})
                got = doc.get("results")
                if not isinstance(got, list) or len(got) != len(pending):
                    raise SourceError("OSV querybatch answer does not match the queries")
                again = []
                for j, r in zip(pending, got, strict=True):
                    vulns = r.get("vulns") if isinstance(r, dict) else None
                    for v in vulns or []:
                        if isinstance(v, dict) and isinstance(v.get("id"), str):
                            mod = v.get("modified")
                            got_all[j].append((v["id"], mod if isinstance(mod, str) else None))
                    token = r.get("next_page_token") if isinstance(r, dict) else None
                    if isinstance(token, str) and token:
                        bodies[j] = {**bodies[j], "page_token": token}
                        again.append(j)
                if not again:
                    break
                pending = again
            else:
                if incomplete is not None:
                    incomplete.update(i + j for j in pending)
            results.extend(got_all)
        return results

    def get(self, advisory_id: str) -> OsvAdvisory | None:
        """One advisory by id; None when OSV does not know it."""
        if not re.fullmatch(r"[A-Za-z0-9._:-]{1,100}", advisory_id):
            raise ValueError("advisory id has unexpected characters")
        try:
            resp = request_with_retry(
                self._http,
                "GET",
                f"{self.base_url}/v1/vulns/{advisory_id}",
                policy=self.retry,
                source="OSV",
                sleep=self._sleep,
            )
        except SourceError as exc:
            if getattr(exc, "status", None) == 404:
                return None
            raise
        return parse_osv(resp.json())
