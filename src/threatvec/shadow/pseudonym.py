"""One pseudonym per person per org, whichever source reported them.

Two layers, because the browser extension hashes in the browser with a salt
that every install holds (it is in the managed policy): that salt cannot be
what keeps stored ids pseudonymous. So the server keys every id once more with
a per-org secret that never leaves it, the same way for every source:

    client hash = SHA-256(user_id_salt + "\\n" + lower(trim(identity)))  # what the extension sends
    pseudonym   = HMAC-SHA-256(user_key, client hash)                     # what is stored

Server-side sources (Microsoft 365 Copilot, Okta, Zscaler, Netskope, Sentinel
DNS) compute both layers; extension events arrive with the first and get the
second in ``shadow.service.ingest_batch``. One org's pseudonyms never match
another's: each org has its own ``user_key``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

__all__ = ["OrgUserSalt", "client_hash", "normalise", "rekey", "user_pseudonym"]


@dataclass(frozen=True)
class OrgUserSalt:
    """An org's two pseudonym secrets.

    ``salt``: the extension's ``userIdSalt`` (shown to admins to put in the policy);
    ``key``: the server-only HMAC key.
    """

    salt: str
    key: str

    def __repr__(self) -> str:  # never in a log or a traceback
        return "OrgUserSalt(<secret>)"


def normalise(identity: object) -> str | None:
    """The identity as every source hashes it: trimmed and lower-cased (as the extension does)."""
    if not isinstance(identity, str):
        return None
    return identity.strip().lower() or None


def client_hash(salt: str, identity: object) -> str | None:
    """The first layer, exactly as the extension computes it."""
    norm = normalise(identity)
    if norm is None:
        return None
    return hashlib.sha256(f"{salt}\n{norm}".encode()).hexdigest()


def rekey(key: str, first_layer: str) -> str:
    """The stored pseudonym for a client hash (64 lower-case hex in, 64 out)."""
    return hmac.new(key.encode(), first_layer.lower().encode(), hashlib.sha256).hexdigest()


def user_pseudonym(secrets: OrgUserSalt, identity: object) -> str | None:
    """The stored pseudonym for an identity (email, UPN, login); None for no identity."""
    first = client_hash(secrets.salt, identity)
    return None if first is None else rekey(secrets.key, first)
