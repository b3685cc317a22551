"""Splitting a channel's settings into stored config, encrypted secrets and a masked hint."""

from __future__ import annotations

import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr

from threatvec.core.crypto import SecretBox
from threatvec.core.errors import InvalidInput

__all__ = [
    "OPTIONAL_SECRETS",
    "SECRET_FIELDS",
    "hint",
    "precheck_destination",
    "split_settings",
    "stored_secrets",
]

# The write-only fields of each channel kind.
SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "slack": ("webhook_url",),
    "pagerduty": ("routing_key", "webhook_secret"),
    "webhook": ("secret",),
    "email": ("password",),
}
# Secrets a channel may lack and still send: an SMTP relay without login, a PagerDuty
# channel that only pages (webhook_secret is for PagerDuty's calls back: pagerduty_sync.py).
OPTIONAL_SECRETS = frozenset({"password", "webhook_secret"})


def _last4(value: str) -> str:
    return "••••" + value[-4:] if len(value) >= 12 else "••••"


def hint(kind: str, secrets: dict[str, str]) -> str:
    if kind == "slack":
        parts = urlsplit(secrets.get("webhook_url", ""))
        return f"{parts.scheme}://{parts.hostname}/…{secrets.get('webhook_url', '')[-4:]}"
    if kind == "pagerduty":
        text = "routing key " + _last4(secrets.get("routing_key", ""))
        if secrets.get("webhook_secret"):
            text += " · webhook secret " + _last4(secrets["webhook_secret"])
        return text
    if kind == "webhook":
        return "signing secret " + _last4(secrets.get("secret", ""))
    return "password set" if secrets.get("password") else "no password"


def split_settings(settings: BaseModel, box: SecretBox) -> tuple[dict[str, Any], str, str]:
    """(non-secret config, encrypted secrets, masked hint) for a validated settings model."""
    kind = str(getattr(settings, "kind"))  # noqa: B009 - every settings model has `kind`
    config: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    for name, value in settings:
        if name == "kind":
            continue
        if name in SECRET_FIELDS[kind]:
            if isinstance(value, SecretStr):
                secrets[name] = value.get_secret_value()
        else:
            config[name] = value
    return config, box.encrypt(json.dumps(secrets)), hint(kind, secrets)


def stored_secrets(secrets_enc: str, box: SecretBox) -> dict[str, str]:
    if not secrets_enc:
        return {}
    raw = json.loads(box.decrypt(secrets_enc))
    return {str(k): str(v) for k, v in raw.items()}


def _blocked_literal(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global


def precheck_destination(settings: BaseModel, *, allow_private: bool) -> None:
    """Refuse obviously internal destinations when saving.

    The real SSRF guard runs on every send (core.outbound resolves the name
    then), because DNS can change after a channel is saved; this only gives
    the user an early, clear 422 for a literal private address.
    """
    if allow_private:
        return
    kind = str(getattr(settings, "kind"))  # noqa: B009
    fields: dict[str, str] = {}
    if kind == "slack":
        fields["webhook_url"] = settings.webhook_url.get_secret_value()  # type: ignore[attr-defined]
    elif kind == "pagerduty":
        fields["base_url"] = settings.base_url  # type: ignore[attr-defined]
    elif kind == "webhook":
        fields["url"] = settings.url  # type: ignore[attr-defined]
    for name, url in fields.items():
        if _blocked_literal(urlsplit(url).hostname or ""):
            raise InvalidInput(
                ("body", "settings", kind, name),
                "points at a loopback/private address; set THREATVEC_ALLOW_PRIVATE_OUTBOUND=true "
                "to allow internal targets",
            )
    if kind == "email" and _blocked_literal(settings.host):  # type: ignore[attr-defined]
        raise InvalidInput(
            ("body", "settings", "email", "host"),
            "is a loopback/private address; set THREATVEC_ALLOW_PRIVATE_OUTBOUND=true to allow it",
        )
