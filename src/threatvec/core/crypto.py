"""Encryption of secrets at rest (integration tokens, webhook secrets).

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from the server's secret
key by HKDF, so rotating nothing else is needed and the raw secret key is never
used directly as an encryption key.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["SecretBox", "SecretDecryptError"]


class SecretDecryptError(ValueError):
    """A stored secret could not be decrypted (wrong key or corrupt value)."""


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"threatvec-secrets", info=b"v1"
        ).derive(secret_key.encode("utf-8"))
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as exc:
            raise SecretDecryptError("stored secret cannot be decrypted") from exc
