"""The server's public base URL: where other systems reach this server.

Pages and API replies hand users URLs to paste elsewhere (PagerDuty's webhook
subscription, Snapper, a vendor's receiver, the browser extension's policy).
Behind a reverse proxy the request's own address is the proxy's upstream
(``http://127.0.0.1:8000``), which works nowhere else, and its ``Host`` header
is whatever the client sent. So those URLs come from ``THREATVEC_PUBLIC_URL``
when it is set; forwarded headers are never read (``threatvec serve`` runs
uvicorn with ``proxy_headers=False``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["SETTING", "PublicBase", "is_plain_http_off_loopback", "public_base", "validate"]

SETTING = "THREATVEC_PUBLIC_URL"
EXAMPLE = "https://threatvec.example.com"


def _shown(text: str) -> str:
    """The value for an error message, any ``user:password@`` masked (errors reach logs)."""
    return repr(re.sub(r"//[^/?#]*@", "//***@", text, count=1))


def validate(value: str) -> str:
    """The URL without a trailing slash, or ValueError naming the setting and the fault."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError(f"{SETTING} is not a valid URL ({exc}): {_shown(text)}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"{SETTING} must be an absolute http(s) URL such as {EXAMPLE}: {_shown(text)}"
        )
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise ValueError(f"{SETTING} must not have a query (?...) or fragment (#...)")
    if parts.username is not None or parts.password is not None:
        # It is printed on pages for others to copy: a password there would leak.
        raise ValueError(f"{SETTING} must not carry a user name or password")
    return text.rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_plain_http_off_loopback(url: str) -> bool:
    """True for ``http://`` to a host others reach: what is sent there crosses unencrypted."""
    parts = urlsplit(url)
    return parts.scheme == "http" and not _loopback((parts.hostname or "").lower())


@dataclass(frozen=True)
class PublicBase:
    """The base URL to print, and whether it is configured (else derived from the request)."""

    url: str
    configured: bool
    insecure: bool

    def join(self, path: str) -> str:
        return self.url + path


def configured_url(settings: Any) -> str | None:
    return getattr(settings, "public_url", None) or None


def public_base(request: Any) -> PublicBase:
    """``THREATVEC_PUBLIC_URL`` when set; else this request's own base URL (today's behaviour)."""
    url = configured_url(request.app.state.settings)
    if url:
        return PublicBase(url=url, configured=True, insecure=is_plain_http_off_loopback(url))
    return PublicBase(url=str(request.base_url).rstrip("/"), configured=False, insecure=False)
