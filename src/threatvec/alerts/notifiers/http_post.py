"""POST through the guarded outbound client and classify the outcome for the outbox."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx

from threatvec.alerts.notifiers.message import DeliveryError, redact
from threatvec.core.outbound import OutboundBlocked

__all__ = ["RETRYABLE_STATUS", "post", "retry_after_s"]

# 408/425/429 and server errors can succeed later; other 4xx will not (bad URL, key, payload).
RETRYABLE_STATUS = frozenset({408, 425, 429})


def retry_after_s(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    # ASCII only: str.isdigit() is also true for '²', which float() refuses.
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def post(
    client: httpx.Client,
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    secrets: list[str],
    ok: tuple[int, ...] = (200, 201, 202, 204),
) -> int:
    """Send; return the status on success, else raise DeliveryError (secrets redacted)."""
    try:
        response = client.post(url, content=body, headers=headers)
    except OutboundBlocked as exc:
        raise DeliveryError(
            f"destination refused: {redact(str(exc), secrets)}", retryable=False
        ) from None
    except httpx.InvalidURL:
        # Refused before any hook ran (e.g. host 0177.0.0.1); trying again cannot help.
        raise DeliveryError(
            "URL is not valid: the host is not a valid name or address; edit the channel",
            retryable=False,
        ) from None
    except httpx.TimeoutException:
        raise DeliveryError("timed out", retryable=True) from None
    except httpx.HTTPError as exc:
        # httpx's messages can carry the URL (a Slack URL is the secret): name the class only.
        raise DeliveryError(f"connection failed: {type(exc).__name__}", retryable=True) from None
    if response.status_code in ok:
        return response.status_code
    snippet = redact(response.text[:200], secrets).replace("\n", " ").strip()
    retryable = response.status_code in RETRYABLE_STATUS or response.status_code >= 500
    wait = retry_after_s(response.headers.get("Retry-After")) if retryable else None
    raise DeliveryError(
        f"HTTP {response.status_code}{': ' + snippet if snippet else ''}",
        retryable=retryable,
        status_code=response.status_code,
        retry_after_s=wait,
    )
