"""The one outbound HTTP client, with a guard against server-side request forgery.

Notification and integration URLs come from users. Before each request (and
each redirect) the host is resolved and every address it resolves to is
checked: loopback, private, link-local, multicast, reserved and unspecified
ranges are refused unless the deployment allows them
(``THREATVEC_ALLOW_PRIVATE_OUTBOUND``) or the host is on an explicit allowlist.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection
from urllib.parse import urlsplit

import httpx

__all__ = ["OutboundBlocked", "check_url", "outbound_client", "url_problem"]


class OutboundBlocked(ValueError):
    """The URL is not allowed as an outbound destination; the message says why."""


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def url_problem(url: str) -> str | None:
    """Why no request can be sent to this URL, or None when the HTTP client can use it.

    A loose pattern lets through URLs that crashed the send instead: a port out of
    range (urlsplit raises on .port), an empty or over-long DNS label (the resolver's
    IDNA encoding raises), a zero-padded IPv4 address such as 0177.0.0.1 (httpx
    refuses it). Saving such a URL must be refused, naming why.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        if "port" in str(exc).lower():
            return "the port must be a number from 1 to 65535"
        return "the host is not a valid name or address"
    if port == 0:
        return "the port must be a number from 1 to 65535"
    try:
        raw_host = httpx.URL(url).raw_host.decode("ascii")
        if raw_host:
            try:
                ipaddress.ip_address(raw_host)
            except ValueError:
                raw_host.encode("idna")  # what the resolver does: refuses an empty label
    except (httpx.InvalidURL, UnicodeError):
        return "the host is not a valid name or address"
    return None


def check_url(
    url: str,
    *,
    allow_private: bool = False,
    allowed_hosts: Collection[str] = (),
) -> str:
    """Validate an outbound URL; return it unchanged or raise OutboundBlocked."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise OutboundBlocked(f"scheme {parts.scheme!r} is not allowed (use http or https)")
    host = parts.hostname
    if not host:
        raise OutboundBlocked("URL has no host")
    problem = url_problem(url)
    if problem is not None:
        raise OutboundBlocked(f"URL is not valid: {problem}")
    if parts.username or parts.password:
        raise OutboundBlocked("credentials in the URL are not allowed")
    if host.lower() in {h.lower() for h in allowed_hosts} or allow_private:
        return url
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise OutboundBlocked(f"host {host!r} does not resolve") from exc
    for info in infos:
        raw = info[4][0]
        if not isinstance(raw, str):
            # Only a Python built without IPv6 gives a non-text address (an int).
            raise OutboundBlocked(f"host {host!r} resolves to an address that cannot be checked")
        addr = ipaddress.ip_address(raw.split("%", 1)[0])
        if not _is_public(addr):
            raise OutboundBlocked(
                f"host {host!r} resolves to non-public address {addr}; "
                "set THREATVEC_ALLOW_PRIVATE_OUTBOUND=true to allow internal targets"
            )
    return url


def outbound_client(
    *,
    allow_private: bool = False,
    allowed_hosts: Collection[str] = (),
    timeout: float = 10.0,
    follow_redirects: bool = False,
) -> httpx.Client:
    """An httpx client whose every request (redirects included) passes check_url."""

    def _guard(request: httpx.Request) -> None:
        check_url(str(request.url), allow_private=allow_private, allowed_hosts=allowed_hosts)

    return httpx.Client(
        timeout=timeout,
        follow_redirects=follow_redirects,
        event_hooks={"request": [_guard]},
        headers={"User-Agent": "ThreatVec"},
    )
