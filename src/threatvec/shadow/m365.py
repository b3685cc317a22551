"""Microsoft 365 Copilot usage from Office 365 Management Activity API audit records.

Two ways in, one conversion:

- ``import_records`` reads exported content blobs (``threatvec shadow
  import-m365 FILE``);
- ``ManagementActivityClient`` + ``pull`` talk to the API itself: OAuth2
  client credentials against ``{authority}/{tenant}/oauth2/v2.0/token``, start
  the ``Audit.General`` subscription, list available content per window of at
  most 24 hours (following the ``NextPageUri`` header), fetch each blob, retry
  429/5xx with backoff (``Retry-After`` honoured).

A ``CopilotInteraction`` record (RecordType 261) becomes one ``submit`` usage
event of Microsoft 365 Copilot with: the app host (Word, Teams, ...), the org's
pseudonym of the user (``shadow.pseudonym``: the one every source gives), the
number of prompts, the number and types of resources touched (never their
names, ids or URLs) and the sensitivity label ids present.
The record's own ``Id`` is the event id, so re-importing is idempotent.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError
from sqlalchemy.orm import Session

from threatvec.core.cancel import pause
from threatvec.core.clock import utcnow
from threatvec.core.crypto import SecretBox
from threatvec.core.errors import InvalidInput, Unavailable
from threatvec.core.outbound import outbound_client
from threatvec.orgs import service as orgs
from threatvec.shadow import service
from threatvec.shadow.pseudonym import OrgUserSalt, user_pseudonym
from threatvec.shadow.schemas import ShadowEventIn, error_loc

__all__ = [
    "CONTENT_TYPE",
    "COPILOT_DOMAIN",
    "COPILOT_RECORD_TYPE",
    "ImportResult",
    "M365Config",
    "M365Error",
    "ManagementActivityClient",
    "UnreadableLine",
    "UnusableBlob",
    "configure",
    "import_records",
    "load_config",
    "pull",
    "read_records",
    "record_to_event",
    "user_pseudonym",
]

log = logging.getLogger("threatvec.shadow.m365")

COPILOT_RECORD_TYPE = 261
COPILOT_OPERATION = "CopilotInteraction"
COPILOT_DOMAIN = "copilot.cloud.microsoft"
CONTENT_TYPE = "Audit.General"
M365_SCOPE = "https://manage.office.com/.default"
CONFIG_SETTING = "shadow.m365"
LAST_END_SETTING = "shadow.m365.last_end"
# The API keeps content for 7 days and lists at most 24 hours per request.
MAX_LOOKBACK = timedelta(days=7)
WINDOW = timedelta(hours=24)
MAX_BLOB_BYTES = 50 * 1024 * 1024
_TOKEN = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_GUID = re.compile(r"^[0-9A-Fa-f-]{1,40}$")
_TENANT = re.compile(r"^[A-Za-z0-9.-]{1,100}$")


class M365Error(Exception):
    """The Management Activity API could not be used; the message says why (no secrets)."""


class UnusableBlob(M365Error):
    """One content blob cannot be read (malformed, too large, gone); the others still can."""


@dataclass
class ImportResult:
    records: int = 0
    copilot: int = 0
    imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    blobs: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: ImportResult) -> None:
        for name in ("records", "copilot", "imported", "duplicates", "skipped", "blobs"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "copilot": self.copilot,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "blobs": self.blobs,
            "errors": self.errors[:20],
        }


# ── conversion ────────────────────────────────────────────────────────────


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _token(value: object) -> str | None:
    return value if isinstance(value, str) and _TOKEN.fullmatch(value) else None


def is_copilot(record: Mapping[str, Any]) -> bool:
    return (
        record.get("RecordType") == COPILOT_RECORD_TYPE
        or record.get("Operation") == COPILOT_OPERATION
    )


def record_to_event(record: Mapping[str, Any], *, salt: OrgUserSalt) -> ShadowEventIn:
    """One CopilotInteraction record as a usage event (raises ValueError when unusable)."""
    data = record.get("CopilotEventData")
    data = data if isinstance(data, Mapping) else {}
    resources = data.get("AccessedResources")
    resources = (
        [r for r in resources if isinstance(r, Mapping)] if isinstance(resources, list) else []
    )
    messages = data.get("Messages")
    messages = [m for m in messages if isinstance(m, Mapping)] if isinstance(messages, list) else []
    types = sorted({t for r in resources if (t := _token(r.get("Type")))})
    labels = sorted(
        {
            lbl
            for r in resources
            if isinstance(lbl := r.get("SensitivityLabelId"), str) and _GUID.fullmatch(lbl)
        }
    )
    when = _parse_time(record.get("CreationTime"))
    if when is None:
        raise ValueError("CreationTime missing or not ISO 8601")
    signals: dict[str, Any] = {
        "app_host": _token(data.get("AppHost")) or "other",
        "prompts": sum(1 for m in messages if m.get("isPrompt") is True),
        "resources": len(resources),
        "resource_types": types[:32],
    }
    if labels:
        signals["sensitivity_labels"] = labels[:32]
    try:
        return ShadowEventIn.model_validate(
            {
                "event_id": record.get("Id"),
                "domain": COPILOT_DOMAIN,
                "event_type": "submit",
                "occurred_at": when,
                "user_hash": user_pseudonym(salt, record.get("UserId") or record.get("UserKey")),
                "signals": signals,
            },
            context={"historical": True},
        )
    except ValidationError as exc:
        # The field and the rule, never the value (pydantic's messages do not hold it).
        problems = "; ".join(
            f"{'.'.join(error_loc(e)) or 'record'}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise ValueError(f"does not convert ({problems})") from None


def _record_name(position: int, record: Mapping[str, Any]) -> str:
    """ "record 7 (Id 5e6a...)": where to find a skipped record, never a user or file name."""
    rid = record.get("Id")
    shown = f" (Id {rid})" if isinstance(rid, str) and _GUID.fullmatch(rid) else ""
    return f"record {position}{shown}"


def convert_records(
    records: Iterable[Any], *, salt: OrgUserSalt
) -> tuple[list[ShadowEventIn], ImportResult]:
    result = ImportResult()
    events: list[ShadowEventIn] = []
    for position, record in enumerate(records, start=1):
        result.records += 1
        if isinstance(record, UnreadableLine):
            result.skipped += 1
            result.errors.append(f"line {record.line}: {record.reason}")
            continue
        if not isinstance(record, Mapping) or not is_copilot(record):
            result.skipped += 1
            continue
        result.copilot += 1
        try:
            events.append(record_to_event(record, salt=salt))
        except ValueError as exc:
            result.skipped += 1
            result.errors.append(f"{_record_name(position, record)}: {exc}")
    return events, result


def import_records(
    *, session: Session, org_id: str, records: Iterable[Any], chunk: int = 500
) -> ImportResult:
    """Convert CopilotInteraction records and store them as shadow usage events."""
    salt = service.org_user_salt(session=session, org_id=org_id)
    events, result = convert_records(records, salt=salt)
    for start in range(0, len(events), chunk):
        stored = service.record_events(
            session=session, org_id=org_id, events=events[start : start + chunk], source="m365"
        )
        result.imported += stored.accepted
        result.duplicates += stored.duplicates
    return result


@dataclass(frozen=True)
class UnreadableLine:
    """A line of an export that holds no JSON record: skipped and reported by its number."""

    line: int
    reason: str = "not JSON"


def _json_lines(text: str) -> list[Any]:
    """Each line's record; a broken line (an export cut short) costs only itself."""
    records: list[Any] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except (ValueError, RecursionError):
            records.append(UnreadableLine(number))
    if not records or all(isinstance(r, UnreadableLine) for r in records):
        raise InvalidInput(
            ("file",),
            "not a JSON array, JSON lines or an audit CSV export with an AuditData column",
        )
    return records


_AUDIT_DATA = "auditdata"


def _is_audit_csv(text: str) -> bool:
    header = text.split("\n", 1)[0].lower()
    return _AUDIT_DATA in [c.strip().strip('"') for c in header.split(",")]


def _audit_csv(text: str) -> list[Any]:
    """The records of a Purview audit search export: CSV whose AuditData column holds each
    record's JSON (the Management Activity API's schema)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    records: list[Any] = []
    try:
        column = next(f for f in reader.fieldnames or [] if f.strip().lower() == _AUDIT_DATA)
        for row in reader:
            try:
                records.append(json.loads(row.get(column) or ""))
            except (ValueError, RecursionError):
                # line_num: the file line the row ends on (AuditData may hold line breaks)
                records.append(UnreadableLine(reader.line_num, "AuditData is not JSON"))
    except csv.Error as exc:
        raise InvalidInput(
            ("file", reader.line_num + 1), f"not valid CSV at line {reader.line_num + 1}: {exc}"
        ) from None
    return records


def read_records(path: Path) -> list[Any]:
    """Records from an exported file: a content blob (JSON array), {"value"|"records": [...]},
    JSON lines, or a Purview audit search CSV export (its AuditData column). A line or row
    that holds no record becomes an ``UnreadableLine``; the others still count."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return _audit_csv(text) if _is_audit_csv(text) else _json_lines(text)
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in ("value", "records", "Records"):
            if isinstance(doc.get(key), list):
                return list(doc[key])
        return [doc]
    raise InvalidInput(("file",), "expected a JSON array of audit records")


# ── configuration ─────────────────────────────────────────────────────────


@dataclass(frozen=True)
class M365Config:
    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)


def configure(
    *,
    session: Session,
    org_id: str,
    tenant_id: str,
    client_id: str,
    client_secret: str,
    secret_key: str,
) -> None:
    """Keep the app registration for this org; the secret is stored encrypted."""
    if not _TENANT.fullmatch(tenant_id):
        raise InvalidInput(("tenant_id",), "tenant id must be a GUID or a domain name")
    if not _TENANT.fullmatch(client_id):
        raise InvalidInput(("client_id",), "client id must be a GUID")
    if not client_secret or len(client_secret) > 1024:
        raise InvalidInput(("client_secret",), "client secret must be 1–1024 characters")
    value = {
        "tenant_id": tenant_id,
        "client_id": client_id,
        "client_secret": SecretBox(secret_key).encrypt(client_secret),
    }
    orgs.put_setting(session=session, org_id=org_id, name=CONFIG_SETTING, value=value, by="cli")


def load_config(*, session: Session, org_id: str, secret_key: str) -> M365Config | None:
    raw = orgs.get_setting(session=session, org_id=org_id, name=CONFIG_SETTING)
    if not isinstance(raw, dict):
        return None
    return M365Config(
        tenant_id=str(raw["tenant_id"]),
        client_id=str(raw["client_id"]),
        client_secret=SecretBox(secret_key).decrypt(str(raw["client_secret"])),
    )


# ── the API client ────────────────────────────────────────────────────────


class ManagementActivityClient:
    """The Office 365 Management Activity API, with OAuth2 client credentials and retries."""

    def __init__(
        self,
        config: M365Config,
        *,
        authority_url: str,
        api_url: str,
        http: httpx.Client | None = None,
        allow_private: bool = False,
        max_attempts: int = 4,
        backoff_s: float = 1.0,
        sleep: Callable[[float], None] = pause,
    ) -> None:
        self.config = config
        self.authority_url = authority_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.http = http or outbound_client(allow_private=allow_private, timeout=30.0)
        self.max_attempts = max(1, max_attempts)
        self.backoff_s = backoff_s
        self.sleep = sleep
        self._token: str | None = None
        self._token_expires = 0.0
        self._api_origin = self._origin(self.api_url)

    @staticmethod
    def _origin(url: str) -> tuple[str, str, int | None]:
        parts = urlsplit(url)
        return parts.scheme, (parts.hostname or "").lower(), parts.port

    @property
    def feed_url(self) -> str:
        return f"{self.api_url}/api/v1.0/{self.config.tenant_id}/activity/feed"

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with retries on 429, 5xx and network errors (exponential backoff)."""
        last: str = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self.http.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                last = f"network error ({type(exc).__name__})"
                wait = self.backoff_s * 2 ** (attempt - 1)
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return response
                last = f"HTTP {response.status_code}"
                retry_after = response.headers.get("Retry-After", "")
                wait = (
                    min(float(retry_after), 120.0)
                    if retry_after.replace(".", "", 1).isdigit()
                    else self.backoff_s * 2 ** (attempt - 1)
                )
            if attempt < self.max_attempts:
                self.sleep(wait)
        raise M365Error(
            f"{method} {urlsplit(url).path} failed after {self.max_attempts} tries: {last}"
        )

    def token(self) -> str:
        if self._token and time.monotonic() < self._token_expires:
            return self._token
        url = f"{self.authority_url}/{self.config.tenant_id}/oauth2/v2.0/token"
        response = self._request(
            "POST",
            url,
            data={
                "grant_type": "client_credentials",
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
                "scope": M365_SCOPE,
            },
        )
        if response.status_code != 200:
            raise M365Error(f"token request refused (HTTP {response.status_code})")
        body = response.json()
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise M365Error("token response has no access_token")
        self._token = token
        expires = body.get("expires_in", 3600)
        self._token_expires = time.monotonic() + max(60.0, float(expires) - 60.0)
        return token

    def _api(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        # The bearer token goes only to the configured API origin, never to a host a
        # response named (a content URI or NextPageUri elsewhere is refused).
        if self._origin(url) != self._api_origin:
            raise M365Error("the API pointed to a URL outside the configured API base")
        headers = {"Authorization": f"Bearer {self.token()}"}
        return self._request(method, url, headers=headers, **kwargs)

    def start_subscription(self) -> None:
        url = f"{self.feed_url}/subscriptions/start"
        response = self._api("POST", url, params={"contentType": CONTENT_TYPE})
        if response.status_code == 200:
            return
        # AF20024: "The subscription is already enabled" — nothing to do.
        if response.status_code == 400 and "AF20024" in response.text:
            return
        raise M365Error(
            f"starting the {CONTENT_TYPE} subscription failed (HTTP {response.status_code})"
        )

    def list_content(self, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        """Available content blobs in [start, end), every page (NextPageUri)."""
        url: str | None = f"{self.feed_url}/subscriptions/content"
        params: dict[str, str] | None = {
            "contentType": CONTENT_TYPE,
            "startTime": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "endTime": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        }
        pages = 0
        while url:
            pages += 1
            if pages > 10_000:
                raise M365Error("too many content pages")
            response = self._api("GET", url, params=params)
            if response.status_code != 200:
                raise M365Error(f"listing content failed (HTTP {response.status_code})")
            items = response.json()
            if not isinstance(items, list):
                raise M365Error("content listing is not a JSON array")
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("contentUri"), str):
                    yield item
            url = response.headers.get("NextPageUri") or None
            params = None  # the next page's URI carries its own query

    def fetch_blob(self, content_uri: str) -> list[Any]:
        """The blob's records; ``UnusableBlob`` when this blob alone cannot be read."""
        response = self._api("GET", content_uri)
        if response.status_code in (400, 404, 410):
            raise UnusableBlob(f"content blob is gone or refused (HTTP {response.status_code})")
        if response.status_code != 200:
            raise M365Error(f"fetching content failed (HTTP {response.status_code})")
        if len(response.content) > MAX_BLOB_BYTES:
            raise UnusableBlob("content blob is too large")
        try:
            records = response.json()
        except (ValueError, RecursionError):
            raise UnusableBlob("content blob is not JSON") from None
        if not isinstance(records, list):
            raise UnusableBlob("content blob is not a JSON array")
        return records


def _windows(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    while start < end:
        stop = min(start + WINDOW, end)
        yield start, stop
        start = stop


def pull(
    *,
    session: Session,
    org_id: str,
    client: ManagementActivityClient,
    start: datetime | None = None,
    end: datetime | None = None,
    progress: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Import every Copilot record available in [start, end) (default: since the last pull).

    ``progress`` gets the running totals after each content blob; a caller may commit
    there, so a failure later in a long pull keeps what was imported (re-reading it is
    harmless: record ids make the import idempotent, and the last end only moves on
    success).
    """
    end = end or utcnow()
    if start is None:
        last = _parse_time(orgs.get_setting(session=session, org_id=org_id, name=LAST_END_SETTING))
        start = last or end - timedelta(hours=24)
    start = max(start, end - MAX_LOOKBACK)
    client.start_subscription()
    total = ImportResult()
    seen: set[str] = set()
    for w_start, w_end in _windows(start, end):
        for item in client.list_content(w_start, w_end):
            content_id = str(item.get("contentId") or item["contentUri"])
            if content_id in seen:
                continue
            seen.add(content_id)
            try:
                records = client.fetch_blob(item["contentUri"])
            except UnusableBlob as exc:
                # Reported and passed over: failing the pull would fail every pull
                # while the API lists this blob (7 days), and import nothing meanwhile.
                total.errors.append(f"content blob {content_id[:80]}: {exc}")
                continue
            part = import_records(session=session, org_id=org_id, records=records)
            part.blobs = 1
            total.add(part)
            if progress is not None:
                progress(total)
    orgs.put_setting(
        session=session, org_id=org_id, name=LAST_END_SETTING, value=end.isoformat(), by="m365"
    )
    log.info(
        "m365 pull for org %s: %d blob(s), %d Copilot record(s), %d new",
        org_id,
        total.blobs,
        total.copilot,
        total.imported,
    )
    return total


def client_for_org(
    *,
    session: Session,
    org_id: str,
    secret_key: str,
    authority_url: str,
    api_url: str,
    allow_private: bool = False,
) -> ManagementActivityClient | None:
    """A client built from the org's stored app registration; None when not configured."""
    config = load_config(session=session, org_id=org_id, secret_key=secret_key)
    if config is None:
        return None
    try:
        return ManagementActivityClient(
            config, authority_url=authority_url, api_url=api_url, allow_private=allow_private
        )
    except httpx.HTTPError as exc:  # pragma: no cover - client construction does no I/O
        raise Unavailable(
            f"cannot reach the Management Activity API: {type(exc).__name__}"
        ) from exc
