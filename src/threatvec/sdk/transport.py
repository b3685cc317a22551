"""HTTP to the ThreatVec server with the standard library (`http.client`).

One persistent connection per worker; any error closes it and the next request
opens a new one. `post_json` never raises for network or HTTP trouble: it
returns a `Reply` whose `status` is None when no HTTP answer arrived.
"""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import http.client
import json
import logging
import re
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from threatvec.sdk._version import __version__

__all__ = ["RETRYABLE_STATUSES", "HttpTransport", "Reply", "parse_retry_after", "user_agent"]

logger = logging.getLogger("threatvec")

# 408 and 429 are the only 4xx worth repeating; every 5xx might be transient.
RETRYABLE_STATUSES = frozenset({408, 429})
MAX_REPLY_BYTES = 4 * 1024 * 1024
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f]")


def user_agent() -> str:
    return f"threatvec-python/{__version__}"


@dataclass
class Reply:
    """What came back: an HTTP status (None = no answer), Retry-After, parsed JSON body."""

    status: int | None
    retry_after: float | None = None
    body: Any = None
    error: str | None = None
    timed_out: bool = False
    location: str | None = None

    @property
    def retryable(self) -> bool:
        if self.status is None:
            return True
        return self.status >= 500 or self.status in RETRYABLE_STATUSES


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from Retry-After (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class HttpTransport:
    """Posts gzip-compressed JSON to `{server_url}{path}`; also plain GET/POST for probes."""

    def __init__(self, server_url: str, *, org_key: str | None, timeout: float) -> None:
        parts = urlsplit(server_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("server_url must be an http(s) URL")
        if _NOT_IN_URL.search(server_url):
            # http.client refuses such a path on every request, which would look like
            # an outage (events held, retried) instead of the configuration error it is.
            raise ValueError("server_url contains a space or a control character")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._base_path = parts.path.rstrip("/")
        self._org_key = org_key
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._aborted = False

    @property
    def timeout(self) -> float:
        return self._timeout

    def abort(self) -> None:
        """From another thread: end a request in progress (e.g. a long poll) and refuse new ones."""
        self._aborted = True
        conn = self._conn
        sock = conn.sock if conn is not None else None
        if sock is not None:
            # shutdown(), not close(): it wakes a recv() blocked in the other thread.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        if self._aborted:
            raise ConnectionAbortedError("transport stopped")
        conn = self._conn
        if conn is None:
            if self._https:
                conn = http.client.HTTPSConnection(
                    self._host, self._port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
            self._conn = conn
        else:
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
        return conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def _headers(self, extra: dict[str, str]) -> dict[str, str]:
        headers = {"User-Agent": user_agent(), "Accept": "application/json", **extra}
        if self._org_key:
            headers["X-Org-Key"] = self._org_key
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Reply:
        """One HTTP exchange. Network trouble → `Reply(status=None, error=...)`."""
        effective = self._timeout if timeout is None else max(0.001, timeout)
        reused = self._conn is not None
        reply = self._exchange(method, path, body, headers, effective)
        if reply.status is None and reused and not reply.timed_out and not self._aborted:
            # A kept-alive connection the server closed while idle fails on first use;
            # that is not an outage, so try once more on a fresh connection.
            reply = self._exchange(method, path, body, headers, effective)
        return reply

    def _exchange(
        self,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str] | None,
        effective: float,
    ) -> Reply:
        try:
            conn = self._connection(effective)
            conn.request(
                method, self._base_path + path, body=body, headers=self._headers(headers or {})
            )
            response = conn.getresponse()
            raw = response.read(MAX_REPLY_BYTES)
            status = response.status
            retry_after = parse_retry_after(response.getheader("Retry-After"))
            location = response.getheader("Location")
            if response.getheader("Connection", "").lower() == "close" or response.will_close:
                self.close()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return Reply(
                status=None,
                error=f"{type(exc).__name__}: {exc}",
                timed_out=isinstance(exc, TimeoutError),
            )
        parsed: Any = None
        if raw:
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
        return Reply(status=status, retry_after=retry_after, body=parsed, location=location)

    def post_json(self, path: str, payload: bytes, *, timeout: float | None = None) -> Reply:
        """POST an already-encoded JSON body, gzip-compressed."""
        compressed = gzip.compress(payload, compresslevel=6)
        return self.request(
            "POST",
            path,
            body=compressed,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
            timeout=timeout,
        )
