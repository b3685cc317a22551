"""Who is calling: an org key (API) or a signed session cookie (dashboard).

- API calls send ``X-Org-Key``; it is hashed and compared in constant time.
  Missing and wrong keys get the same 401, with no hint about other orgs.
- The dashboard logs in with a key once and then carries a signed, HttpOnly,
  SameSite=Strict cookie; state-changing requests made with that cookie must
  also carry its CSRF token (form field or ``X-CSRF-Token`` header). The cookie
  is bound to the org's key of the moment: a new key ends it at once.
- With no key configured anywhere, every request is the default org.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from threatvec.core import keys
from threatvec.core.errors import Forbidden, Unauthorized
from threatvec.orgs import service as orgs
from threatvec.orgs.models import Org

__all__ = [
    "SESSION_COOKIE",
    "SessionData",
    "decode_session",
    "encode_session",
    "require_org",
    "resolve_dashboard_session",
    "session_org",
]

SESSION_COOKIE = "tv_session"
SESSION_TTL_S = 12 * 3600
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_org_key_header = APIKeyHeader(
    name="X-Org-Key", auto_error=False, description="Your organisation key"
)


@dataclass(frozen=True)
class SessionData:
    org_id: str
    csrf: str
    expires: int
    binding: str = ""  # keys.session_binding of the org's key when the session opened


def _sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def encode_session(secret: str, org: Org, *, ttl_s: int = SESSION_TTL_S) -> str:
    data = {
        "o": org.id,
        "c": secrets.token_urlsafe(24),
        "e": int(time.time()) + ttl_s,
        "k": keys.session_binding(org.key_hash),
    }
    payload = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    return payload.decode() + "." + _sign(secret, payload)


def decode_session(secret: str, cookie: str | None) -> SessionData | None:
    if not cookie or "." not in cookie or len(cookie) > 1024:
        return None
    payload, _, sig = cookie.rpartition(".")
    if not hmac.compare_digest(_sign(secret, payload.encode()), sig):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
        session = SessionData(
            org_id=str(data["o"]),
            csrf=str(data["c"]),
            expires=int(data["e"]),
            binding=str(data.get("k", "")),
        )
    except (ValueError, KeyError, TypeError):
        return None
    return session if session.expires > time.time() else None


def resolve_dashboard_session(request: Request) -> SessionData | None:
    return decode_session(request.app.state.secret_key, request.cookies.get(SESSION_COOKIE))


def session_org(session: Session, data: SessionData) -> Org | None:
    """The session's org, while the key it was opened with is still the org's key."""
    org = session.get(Org, data.org_id)
    if org is None:
        return None
    # Signed cookies cannot be recalled, so a key change must end them here: the
    # binding of a rotated (or first) key no longer matches the one they carry.
    if not hmac.compare_digest(keys.session_binding(org.key_hash), data.binding):
        return None
    # A keyless org is reachable only while no org has a key (orgs.keyless_orgs).
    if org.key_hash is None and orgs.auth_required(session=session):
        return None
    return org


def _auth_required(request: Request, session: Session) -> bool:
    return orgs.auth_required(session=session)


def require_org(
    request: Request,
    org_key: Annotated[str | None, Security(_org_key_header)] = None,
) -> str:
    """Router-level dependency for /api/v1: resolve the caller's org or answer 401."""
    factory = request.app.state.session_factory
    with factory() as session:
        if org_key:
            org = orgs.org_for_key(session=session, key=org_key[:256])
            if org is None:
                raise Unauthorized("missing or invalid X-Org-Key")
            request.state.org_id, request.state.actor = org.id, f"key:{org.name}"
            return org.id
        cookie = resolve_dashboard_session(request)
        if cookie is not None and session_org(session, cookie) is not None:
            if request.method not in SAFE_METHODS:
                sent = request.headers.get("x-csrf-token", "")
                if not hmac.compare_digest(sent, cookie.csrf):
                    raise Forbidden("CSRF token missing or wrong")
            request.state.org_id, request.state.actor = cookie.org_id, "dashboard"
            return cookie.org_id
        if _auth_required(request, session):
            if cookie is not None:
                raise Unauthorized(
                    "the dashboard session ended (the org key changed); log in again"
                )
            raise Unauthorized("missing or invalid X-Org-Key")
        default = orgs.get_default_org(session=session)
        if default is None:
            raise Unauthorized("no organisation is configured")
        request.state.org_id, request.state.actor = default.id, "anonymous"
        return default.id
