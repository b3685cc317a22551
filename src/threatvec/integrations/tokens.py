"""Ingest tokens for receive integrations: issued once, stored as a hash, rotated with grace.

A receive kind (Zscaler Cloud NSS) posts to ThreatVec, so it needs a credential
that is not the org key: an org key pasted into a vendor console would open the
whole API. Each receive integration has its own 256-bit token; only its
SHA-256 is stored (a slow hash buys nothing against a random token) and it is
compared in constant time. The plaintext leaves the server once, in the create
or rotate reply.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from threatvec.core.clock import utcnow
from threatvec.core.errors import Forbidden, InvalidInput, Unauthorized
from threatvec.core.keys import hash_key
from threatvec.core.scoped import get_scoped_or_raise
from threatvec.integrations.kinds import is_receive
from threatvec.integrations.models import Integration
from threatvec.integrations.schemas import ReceiverRead

__all__ = [
    "HEADER",
    "TOKEN_PREFIX",
    "authenticate",
    "issue",
    "receiver_path",
    "receiver_read",
    "rotate",
]

TOKEN_PREFIX = "tvi_"  # noqa: S105 - a public marker, not a secret
HEADER = "Authorization"
_SCHEME = "bearer"
# Compared against when the integration is unknown, so a miss costs what a hit does.
_DUMMY_HASH = hash_key("tvi_never-issued")


def receiver_path(row: Integration) -> str:
    """Where the vendor posts for this integration (one path per receive kind)."""
    return f"/api/v1/integrations/{row.id}/{row.kind}/nss"


def receiver_read(row: Integration) -> ReceiverRead | None:
    if not is_receive(row.kind):
        return None
    return ReceiverRead(
        path=receiver_path(row),
        header=HEADER,
        header_value="Bearer <token>",
        token_hint=row.token_hint or "",
        token_rotated_at=row.token_rotated_at,
        previous_token_valid_until=row.previous_token_valid_until,
    )


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def issue(row: Integration) -> str:
    """Give a new receive integration its first token; the plaintext is returned, not kept."""
    token = _new_token()
    row.token_hash = hash_key(token)
    row.token_hint = token[: len(TOKEN_PREFIX) + 4]
    return token


def rotate(
    *,
    session: Session,
    org_id: str,
    integration_id: str,
    grace_minutes: int = 0,
    now: datetime | None = None,
) -> tuple[Integration, str]:
    """A new token; the old one keeps working for `grace_minutes` (0: not at all)."""
    now = now or utcnow()
    row = get_scoped_or_raise(
        session, Integration, org_id, integration_id, f"no integration {integration_id[:64]!r}"
    )
    if not is_receive(row.kind):
        raise InvalidInput(
            ("path", "integration_id"), f"a {row.kind} integration has no ingest token"
        )
    if grace_minutes > 0 and row.token_hash:
        row.previous_token_hash = row.token_hash
        row.previous_token_valid_until = now + timedelta(minutes=grace_minutes)
    else:
        row.previous_token_hash, row.previous_token_valid_until = None, None
    token = issue(row)
    row.token_rotated_at = now
    row.updated_at = now
    session.flush()
    return row, token


def _presented(authorization: str | None) -> str:
    scheme, _, value = (authorization or "").strip().partition(" ")
    return value.strip() if scheme.lower() == _SCHEME else ""


def _matches(row: Integration | None, token: str, now: datetime) -> bool:
    presented = hash_key(token)
    current = row.token_hash if row is not None and row.token_hash else _DUMMY_HASH
    ok = hmac.compare_digest(presented, current)
    previous = row.previous_token_hash if row is not None else None
    until = row.previous_token_valid_until if row is not None else None
    # Both compared every time, so timing does not say whether a grace token exists.
    ok_previous = hmac.compare_digest(presented, previous or _DUMMY_HASH)
    in_grace = previous is not None and until is not None and now <= until
    return row is not None and bool(row.token_hash) and (ok or (ok_previous and in_grace))


def authenticate(
    *,
    session: Session,
    integration_id: str,
    kind: str,
    authorization: str | None,
    now: datetime | None = None,
) -> Integration:
    """The receive integration this token belongs to; one 401 for every way it can be wrong."""
    now = now or utcnow()
    token = _presented(authorization)[:256]
    row: Integration | None = None
    if token and len(integration_id) == 32 and integration_id.isalnum():
        # The one lookup across orgs: the integration id decides the org, once the token holds.
        row = session.scalar(select(Integration).where(Integration.id == integration_id))
        if row is not None and (row.kind != kind or not is_receive(row.kind)):
            row = None
    if not _matches(row, token or "-", now) or row is None:
        raise Unauthorized("missing or invalid ingest token")
    if not row.enabled:
        raise Forbidden("this integration is disabled; enable it in ThreatVec to receive")
    return row
