"""Org keys: generated once, stored only as a hash, compared in constant time.

Keys are 256-bit random tokens, so a single SHA-256 is the right hash (a slow
password hash buys nothing against a key that cannot be guessed). The first
characters are kept as a non-secret prefix so a key can be looked up without
scanning every org.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["PREFIX_LEN", "generate_key", "hash_key", "key_prefix", "session_binding", "verify_key"]

PREFIX_LEN = 8


def generate_key() -> str:
    return "tvk_" + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_prefix(key: str) -> str:
    return hashlib.sha256(("prefix:" + key).encode("utf-8")).hexdigest()[:PREFIX_LEN]


def verify_key(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_key(key), stored_hash)


def session_binding(key_hash: str | None) -> str:
    """What ties a dashboard session to the org's key of the moment (not secret, not the hash).

    A session carries it and is honoured only while it still matches, so a new key
    (or a first one for an org that ran keyless) ends every session opened before.
    """
    return hashlib.sha256(("session:" + (key_hash or "")).encode("utf-8")).hexdigest()[:16]
