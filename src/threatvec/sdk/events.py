"""Event shapes: what is queued on the host's thread and what goes on the wire.

The host thread only builds a small `PendingEvent` (type, wall time, attributes,
raw texts). Everything costly — the event id, the timestamp string, running
the detectors over texts, truncating captured content — happens later on the
worker thread in `to_wire`, so recording stays as cheap as an append.
"""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "EVENT_TYPES",
    "MAX_SERVER_INFO_KEYS",
    "MAX_TOOLS_LISTED",
    "OUTCOMES",
    "Detectors",
    "PendingEvent",
    "clean_metadata",
    "destination_host",
    "finalise_attributes",
    "format_timestamp",
    "mcp_refs",
    "normalise_outcome",
    "scan_window",
    "to_wire",
]

logger = logging.getLogger("threatvec")

EVENT_TYPES = ("agent.register", "agent.heartbeat", "llm.call", "tool.call", "mcp.use", "custom")
OUTCOMES = frozenset({"ok", "error", "blocked", "timeout", "cancelled", "other"})


@dataclass(slots=True)
class PendingEvent:
    """An event as queued by the host thread; becomes wire JSON in `to_wire`."""

    type: str
    created: float
    attributes: dict[str, Any]
    # A text may be a callable making it, so building it (json.dumps of a tool call's
    # arguments, ...) happens on the worker too.
    texts: dict[str, str | Callable[[], str | None] | None] | None = None
    # Assigned on first serialisation and kept, so a retried batch repeats the same ids.
    event_id: str | None = field(default=None)


def format_timestamp(epoch: float) -> str:
    """RFC 3339 UTC with milliseconds and a `Z`, e.g. `2026-11-25T20:30:00.123Z`."""
    seconds = int(epoch)
    millis = int((epoch - seconds) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def normalise_outcome(outcome: object) -> str:
    if isinstance(outcome, str):
        lowered = outcome.strip().lower()
        if lowered in OUTCOMES:
            return lowered
    return "other"


def destination_host(destination: object) -> str | None:
    """Host name only (lower case, no port, path, query or credentials) from a host or URL."""
    if not isinstance(destination, str) or not destination.strip():
        return None
    text = destination.strip()
    try:
        parts = urlsplit(text if "://" in text else f"//{text}")
        host = parts.hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.lower()[:253]


class Detectors:
    """Lazily imported local detectors; if they cannot be imported, no verdicts are sent."""

    def __init__(self) -> None:
        self._loaded = False
        self._count_pii: Callable[[str], Mapping[str, int]] | None = None
        self._find_injection: Callable[[str], list[str]] | None = None

    def _load(self) -> None:
        self._loaded = True
        try:
            from threatvec.detect.pii import count_pii

            self._count_pii = count_pii
        except Exception as exc:  # the detector package may be absent or broken
            logger.debug("threatvec: PII detector unavailable: %r", exc)
        try:
            from threatvec.detect.injection import find_injection_markers

            self._find_injection = find_injection_markers
        except Exception as exc:
            logger.debug("threatvec: injection detector unavailable: %r", exc)

    @property
    def available(self) -> bool:
        if not self._loaded:
            self._load()
        return self._count_pii is not None or self._find_injection is not None

    def scan(
        self, texts: Mapping[str, str], *, max_chars: int | None = None
    ) -> dict[str, Any] | None:
        """Verdicts over all texts (merged) plus per field; None when no detector is available.

        A text longer than `max_chars` is scanned in its first and last `max_chars // 2`.
        """
        if not self.available:
            return None
        pii_total: dict[str, int] = {}
        markers: dict[str, None] = {}
        by_field: dict[str, dict[str, Any]] = {}
        for name, full_text in texts.items():
            text = scan_window(full_text, max_chars)
            field_pii: dict[str, int] = {}
            field_markers: list[str] = []
            if self._count_pii is not None:
                try:
                    counts = self._count_pii(text)
                    field_pii = {str(k): int(v) for k, v in counts.items() if int(v) > 0}
                except Exception as exc:
                    logger.debug("threatvec: PII detector failed: %r", exc)
            if self._find_injection is not None:
                try:
                    field_markers = [str(m) for m in self._find_injection(text)]
                except Exception as exc:
                    logger.debug("threatvec: injection detector failed: %r", exc)
            for key, value in field_pii.items():
                pii_total[key] = pii_total.get(key, 0) + value
            for marker in field_markers:
                markers[marker] = None
            if field_pii or field_markers:
                by_field[name] = {"pii": field_pii, "injection": sorted(set(field_markers))}
        result: dict[str, Any] = {"pii": pii_total, "injection": sorted(markers)}
        if by_field:
            result["by_field"] = by_field
        return result


def scan_window(text: str, max_chars: int | None) -> str:
    """The part of `text` the detectors read: all of it, or its two ends when it is long.

    The detectors cost the host's CPU (under the GIL) in proportion to the text, about
    50 µs a character: a 150,000-character prompt cost ~4 s. Injected instructions sit
    at the start or the end of what the model reads, so those are kept.
    """
    if max_chars is None or len(text) <= max_chars:
        return text
    half = max_chars // 2
    return text[:half] + "\n" + text[-half:]


_SHORT_FIELDS = ("tool_name", "provider", "model", "server", "tool_called", "name", "operation")
_COUNT_FIELDS = ("input_tokens", "output_tokens", "tool_count")
MAX_SHORT = 256
MAX_METADATA_KEYS = 50


def _short(value: object) -> str:
    return str(value)[:MAX_SHORT]


def clean_metadata(value: object) -> dict[str, Any]:
    """Flat JSON-safe metadata: ≤ 50 keys, scalar values, strings cut to 256 chars."""
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, Any] = {}
    for key, item in list(value.items())[:MAX_METADATA_KEYS]:
        if item is None or isinstance(item, bool | int | float):
            out[_short(key)] = item
        else:
            out[_short(key)] = _short(item)
    return out


def _count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value >= 0:
        return int(value)
    return None


def _framework_versions(names: list[str]) -> list[dict[str, str | None]]:
    # importlib.metadata is only touched here, on the worker thread.
    from importlib import metadata

    dist_names = {"langchain_core": "langchain-core", "llama_index": "llama-index-core"}
    found: list[dict[str, str | None]] = []
    for name in names:
        try:
            version: str | None = metadata.version(dist_names.get(name, name))
        except Exception:
            version = None
        found.append({"name": name, "version": version})
    return found


MAX_TOOLS_LISTED = 500
MAX_SERVER_INFO_KEYS = 20


def mcp_refs(value: object, limit: int) -> object:
    """What the agent's thread keeps of an MCP argument: bounded, and none of its code run.

    A list or tuple is cut to its first `limit` references and a dict to its first
    `limit` items (so a later change by the caller does not reach the event); anything
    else (a generator, a view, a model) is kept as is and read on the worker.
    """
    if isinstance(value, list | tuple):
        return value[:limit]
    if type(value) is dict:
        return dict(itertools.islice(value.items(), limit))
    return value


def _tool_dict(tool: object) -> dict[str, Any]:
    if isinstance(tool, str):
        return {"name": tool}
    try:
        if isinstance(tool, Mapping):
            return dict(tool)
        if hasattr(tool, "model_dump"):
            return dict(tool.model_dump(by_alias=True, exclude_none=True, mode="json"))
    except Exception as exc:  # the caller's model: keep its name rather than lose the event
        logger.debug("threatvec: MCP tool definition not convertible: %r", exc)
    try:
        return {"name": str(getattr(tool, "name", tool))}
    except Exception:
        return {"name": type(tool).__name__}


def mcp_tools(listed: object) -> list[dict[str, Any]]:
    """At most 500 tool definitions as JSON dicts; an iterator that fails keeps what it gave."""
    tools: list[dict[str, Any]] = []
    if not isinstance(listed, Iterable):
        return tools
    try:
        for tool in itertools.islice(listed, MAX_TOOLS_LISTED):
            tools.append(_tool_dict(tool))
    except Exception as exc:
        logger.debug("threatvec: MCP tool listing stopped early: %r", exc)
    return tools


def _info_value(value: object) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    try:
        return str(value)
    except Exception:
        return type(value).__name__


def mcp_server_info(info: object) -> dict[str, Any]:
    """At most 20 keys of the server's info, values as scalars or text."""
    if not isinstance(info, Mapping):
        return {}
    try:
        items = list(itertools.islice(info.items(), MAX_SERVER_INFO_KEYS))
    except Exception as exc:
        logger.debug("threatvec: MCP server info not readable: %r", exc)
        return {}
    return {str(k): _info_value(v) for k, v in items}


def _finalise_mcp(attributes: dict[str, Any]) -> None:
    if "_server_info" in attributes:
        info = mcp_server_info(attributes.pop("_server_info"))
        if info:
            attributes["server_info"] = info
    if "_tools_listed" in attributes:
        tools = mcp_tools(attributes.pop("_tools_listed"))
        attributes["tools_listed"] = tools
        attributes["tool_count"] = len(tools)


def finalise_attributes(event_type: str, attributes: dict[str, Any]) -> None:
    """Validate and shape attributes on the worker thread (cheap recording, strict wire)."""
    if event_type == "mcp.use":
        _finalise_mcp(attributes)
    if "_destination" in attributes:
        attributes["destination_host"] = destination_host(attributes.pop("_destination"))
    for key in _SHORT_FIELDS:
        if attributes.get(key) is not None:
            attributes[key] = _short(attributes[key])
    for key in _COUNT_FIELDS:
        if key in attributes:
            attributes[key] = _count(attributes[key])
    if "latency_ms" in attributes:
        latency = attributes["latency_ms"]
        ok = isinstance(latency, int | float) and not isinstance(latency, bool) and latency >= 0
        attributes["latency_ms"] = round(float(latency), 3) if ok else None
    if "outcome" in attributes:
        attributes["outcome"] = normalise_outcome(attributes["outcome"])
    if "metadata" in attributes:
        attributes["metadata"] = clean_metadata(attributes["metadata"])
    if event_type == "custom" and "attributes" in attributes:
        attributes["attributes"] = clean_metadata(attributes["attributes"])
    if event_type == "agent.register" and isinstance(attributes.get("frameworks"), list):
        attributes["frameworks"] = _framework_versions(attributes["frameworks"])


def _truncate(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    return text[:limit], True


def _text(value: object) -> str | None:
    if callable(value):
        try:
            value = value()
        except Exception as exc:  # built from the caller's objects: may fail, never raises
            logger.debug("threatvec: text not buildable: %r", exc)
            return None
    return value if isinstance(value, str) and value else None


def to_wire(
    event: PendingEvent,
    *,
    detectors: Detectors,
    capture_content: bool,
    max_content_chars: int,
    max_scan_chars: int | None = None,
) -> dict[str, Any]:
    """The event as sent: `{"event_id", "type", "timestamp", "attributes"}`."""
    attributes = event.attributes
    if event.event_id is None:
        event.event_id = uuid.uuid4().hex
        finalise_attributes(event.type, attributes)
    if event.texts:
        texts = {k: t for k, v in event.texts.items() if (t := _text(v))}
        event.texts = None  # scan once, then let the text go
        if texts:
            verdicts = detectors.scan(texts, max_chars=max_scan_chars)
            if verdicts is not None:
                attributes["detections"] = verdicts
            if capture_content:
                content: dict[str, str] = {}
                truncated: list[str] = []
                for name, text in texts.items():
                    content[name], cut = _truncate(text, max_content_chars)
                    if cut:
                        truncated.append(name)
                attributes["content"] = content
                if truncated:
                    attributes["content_truncated"] = truncated
    return {
        "event_id": event.event_id,
        "type": event.type,
        "timestamp": format_timestamp(event.created),
        "attributes": attributes,
    }
