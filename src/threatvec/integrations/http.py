"""Talking to vendor APIs: the SSRF-guarded client, retries with backoff, secret-free errors.

Retries only what can succeed later (429, 502, 503, 504, other 5xx, network
errors), with exponential backoff and ±20 % jitter, honouring ``Retry-After``
(capped). Every error message is built here from the status and the path,
never from a response body, and passed through ``redact`` so a secret that a
vendor echoes back can never reach a run record, a log line or an API reply.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx

from threatvec.core.cancel import pause
from threatvec.core.outbound import OutboundBlocked, outbound_client

__all__ = ["ConnectorError", "VendorHttp", "asked_wait", "origin", "redact"]

MAX_ATTEMPTS = 4
BACKOFF_S = 0.5
MAX_RETRY_AFTER_S = 60.0
MAX_BODY_BYTES = 20 * 1024 * 1024


class ConnectorError(Exception):
    """A sync or test could not go on; the message is safe to store and show."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def redact(text: str, secrets: Iterable[str]) -> str:
    """The text with every secret (and its longer fragments) replaced by a mask."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "••••")
    return text


# Vendors that send no Retry-After on a 429 say when their rate-limit window resets, in
# epoch seconds: Okta (X-Rate-Limit-Reset) and CrowdStrike Falcon (X-RateLimit-RetryAfter).
RESET_HEADERS = ("X-Rate-Limit-Reset", "X-RateLimit-RetryAfter")


def asked_wait(
    headers: httpx.Headers, *, rate_limited: bool, now: float | None = None
) -> float | None:
    """Seconds the vendor asked to wait (Retry-After, or a rate-limit reset time), or None.

    The reset time counts only on a 429: Okta sends it on every reply, and a 5xx must
    not wait for the end of a rate-limit window it did not hit.
    """
    try:
        seconds = float(headers.get("Retry-After", ""))
    except ValueError:
        seconds = math.nan
    if math.isfinite(seconds):
        return max(seconds, 0.0)
    if not rate_limited:
        return None
    current = time.time() if now is None else now
    for name in RESET_HEADERS:
        value = headers.get(name, "").strip()
        if value.isascii() and value.isdigit() and int(value) > current:
            return int(value) - current
    return None


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


class VendorHttp:
    """One vendor conversation: every request guarded, retried and counted."""

    def __init__(
        self,
        *,
        allow_private: bool,
        timeout: float = 30.0,
        max_attempts: int = MAX_ATTEMPTS,
        backoff_s: float = BACKOFF_S,
        sleep: Callable[[float], None] = pause,
    ) -> None:
        self.client = outbound_client(allow_private=allow_private, timeout=timeout)
        self.max_attempts = max(1, max_attempts)
        self.backoff_s = backoff_s
        self.sleep = sleep
        self.retries = 0
        self.requests = 0

    def close(self) -> None:
        self.client.close()

    def _wait(self, attempt: int, response: httpx.Response | None) -> float:
        asked = (
            asked_wait(response.headers, rate_limited=response.status_code == 429)
            if response is not None
            else None
        )
        if asked is not None:
            return min(asked, MAX_RETRY_AFTER_S)
        base: float = self.backoff_s * 2 ** (attempt - 1)
        return base * random.uniform(0.8, 1.2)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send; retry 429/5xx/network errors; return the final response (any status)."""
        path = urlsplit(url).path or "/"
        last = ""
        for attempt in range(1, self.max_attempts + 1):
            self.requests += 1
            response: httpx.Response | None = None
            try:
                response = self.client.request(method, url, **kwargs)
            except OutboundBlocked as exc:
                raise ConnectorError(f"destination refused: {exc}") from None
            except httpx.InvalidURL:
                # httpx refuses some hosts (e.g. 0177.0.0.1) before the guard runs.
                raise ConnectorError(
                    "URL is not valid: the host is not a valid name or address"
                ) from None
            except httpx.TransportError as exc:
                last = f"network error ({type(exc).__name__})"
            else:
                if response.status_code != 429 and response.status_code < 500:
                    if len(response.content) > MAX_BODY_BYTES:
                        raise ConnectorError(f"{method} {path}: response too large")
                    return response
                last = f"HTTP {response.status_code}"
            if attempt < self.max_attempts:
                self.retries += 1
                self.sleep(self._wait(attempt, response))
        code = response.status_code if response is not None else None
        raise ConnectorError(
            f"{method} {path} failed after {self.max_attempts} tries: {last}", status_code=code
        )

    def json(self, response: httpx.Response, what: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ConnectorError(f"{what}: the reply is not JSON") from None
