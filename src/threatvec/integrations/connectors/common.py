"""Small pieces several connectors share: times, ids, user pseudonyms, AI-service matching."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from threatvec.integrations.connectors.base import RunCounts
from threatvec.shadow import catalog as shadow_catalog
from threatvec.shadow import service as shadow
from threatvec.shadow.pseudonym import OrgUserSalt, user_pseudonym

__all__ = [
    "AiMatcher",
    "UserHasher",
    "convert_records",
    "host_of",
    "iso",
    "json_object",
    "parse_time",
    "shadow_event_id",
]

_R = TypeVar("_R")
_T = TypeVar("_T")

# Event ids for the shadow domain are UUIDs; ours are derived from the vendor's record
# id under a fixed namespace, so re-reading a record can never store it twice.
_NAMESPACE = uuid.UUID("6f3c2a9e-4b1d-5e7f-8a90-1b2c3d4e5f60")
_WORD = re.compile(r"[a-z0-9][a-z0-9.+-]*")


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time (Z or offset) or epoch seconds, as aware UTC; None when unusable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def json_object(value: object) -> dict[str, Any]:
    """``value`` when a vendor sent a JSON object there, else an empty one to read nothing from."""
    return value if isinstance(value, dict) else {}


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def shadow_event_id(kind: str, record_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{record_id}"))


class UserHasher:
    """The org's user pseudonyms (the ones every source stores) for one run.

    One per sync run or delivery: the salt is read once, when the first user
    needs it, not once per record (10,000 records cost 10,000 queries before).
    """

    def __init__(self, session: Session, org_id: str) -> None:
        self._session, self._org_id = session, org_id
        self._salt: OrgUserSalt | None = None

    def __call__(self, user: object) -> str | None:
        if not isinstance(user, str) or not user.strip():
            return None  # no salt lookup for nothing
        if self._salt is None:
            self._salt = shadow.org_user_salt(session=self._session, org_id=self._org_id)
        return user_pseudonym(self._salt, user)


def convert_records(
    records: Iterable[_R],
    convert: Callable[[_R], _T | str | None],
    counts: RunCounts,
    what: str,
) -> list[_T]:
    """What the records convert to; each is counted as fetched, a malformed one as skipped.

    ``convert`` returns the converted item, a skip reason, or None for a record
    that is well formed but not ours to keep (not an AI service, say).
    """
    out: list[_T] = []
    for rec in records:
        counts.fetched += 1
        try:
            result = convert(rec)
        except ValueError as exc:  # pydantic's ValidationError too; its first line only
            counts.skip(f"{what} does not convert: {str(exc).splitlines()[0][:120]}")
            continue
        if isinstance(result, str):
            counts.skip(result)
        elif result is not None:
            out.append(result)
    return out


def host_of(value: object) -> str | None:
    """The bare host of a URL or host name, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    return shadow_catalog.normalize_domain(host) if host else None


class AiMatcher:
    """Match hosts and names against the org's AI service catalog (built-in + own entries)."""

    def __init__(self, session: Session, org_id: str) -> None:
        self.catalog = shadow_catalog.load_catalog(session=session, org_id=org_id)
        names: dict[str, shadow_catalog.CatalogItem] = {}
        for item in self.catalog.items():
            key = " ".join(_WORD.findall(item.service.lower()))
            # Very short names ("Jan", "Ada") would match ordinary words; they count
            # only as an exact app name, never inside a longer text.
            if key and key not in names:
                names[key] = item
        self.names = names

    def by_host(self, host: str | None) -> shadow_catalog.CatalogItem | None:
        return self.catalog.match(host) if host else None

    def by_name(self, text: object) -> shadow_catalog.CatalogItem | None:
        """The catalog entry whose service name is the text, or a whole phrase in it."""
        if not isinstance(text, str) or not text.strip():
            return None
        words = _WORD.findall(text.lower()[:300])
        joined = " ".join(words)
        if joined in self.names:
            return self.names[joined]
        best: shadow_catalog.CatalogItem | None = None
        best_len = 0
        padded = f" {joined} "
        for key, item in self.names.items():
            if len(key) >= 5 and len(key) > best_len and f" {key} " in padded:
                best, best_len = item, len(key)
        return best

    def terms_in(self, text: object, extra: tuple[str, ...] = ()) -> list[str]:
        """AI service names (≥ 5 characters) and extra terms that appear as phrases in the text."""
        if not isinstance(text, str) or not text.strip():
            return []
        padded = " " + " ".join(_WORD.findall(text.lower()[:1000])) + " "
        found = [k for k in (*extra, *self.names) if len(k) >= 5 and f" {k} " in padded]
        return sorted(set(found))[:10]
