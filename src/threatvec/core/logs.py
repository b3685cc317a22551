"""Structured logging with a request id, and a filter that keeps secrets out of logs."""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

__all__ = ["configure_logging", "redact", "request_id_var"]

request_id_var: ContextVar[str | None] = ContextVar("threatvec_request_id", default=None)

# Things that look like secrets, whatever the message: our org keys, bearer
# tokens, common provider tokens and key=value pairs with secret-ish names.
_SECRET_PATTERNS = [
    re.compile(r"tvk_[A-Za-z0-9_\-]{10,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-~+/=]{8,}"),
    re.compile(
        r"\b(?:sk-(?:ant-|proj-)?|ghp_|gho_|ghs_|github_pat_|xox[abpr]-|AKIA)[A-Za-z0-9_\-]{8,}"
    ),
    re.compile(
        r"(?i)((?:x-org-key|api[_-]?key|secret|password|token|authorization)[\"']?\s*[:=]\s*[\"']?)"
        r"[^\s\"',}]{4,}"
    ),
    # The password of a URL's userinfo (a feed mirror, a proxy, a database URL in a
    # connection error): user and host stay, so the reader still knows which one.
    re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://[^\s/:@]*:)[^\s/@]+(?=@)"),
]


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + "[REDACTED]", text)
        else:
            text = pattern.sub("[REDACTED]", text)
    return text


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not kill logging
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        record.request_id = request_id_var.get() or "-"
        return True


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key in ("method", "path", "status", "duration_ms", "org_id"):
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, default=str)


def configure_logging(*, fmt: str = "text", level: str = "INFO", stream: Any = None) -> None:
    handler = logging.StreamHandler(stream)
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    handler.addFilter(_RedactingFilter())
    root = logging.getLogger("threatvec")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
